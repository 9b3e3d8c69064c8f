/** Connections as the admin API shows them: the settings view plus how the webhook inbox is doing. */
import type { Binding, Connection } from '../storage/index.js';
import { toConnectionView, type ConnectionView } from './connections.js';
import type { HubContext } from './hub-context.js';

export const ERROR_WINDOW_MS = 60 * 60 * 1000;

export interface ConnectionStatusView extends ConnectionView {
  /** When the latest webhook arrived, whatever came of it; null when none has. */
  lastWebhookAt: string | null;
  /** Webhooks of the last hour that were rejected (bad signature, unknown format) or failed. */
  errorsLastHour: number;
}

export interface BindingView {
  extension: string;
  userId: string;
}

export async function connectionStatusViews(
  hub: HubContext,
  connections: readonly Connection[],
): Promise<ConnectionStatusView[]> {
  const since = new Date(hub.now().getTime() - ERROR_WINDOW_MS).toISOString();
  const activity = await hub.store.webhooks.activity(
    connections.map((connection) => connection.id),
    since,
  );
  return connections.map((connection, index) => ({
    ...toConnectionView(hub, connection),
    lastWebhookAt: activity[index]?.last_received_at ?? null,
    errorsLastHour: activity[index]?.errors_since ?? 0,
  }));
}

export async function connectionStatusView(hub: HubContext, connection: Connection): Promise<ConnectionStatusView> {
  const [view] = await connectionStatusViews(hub, [connection]);
  return view as ConnectionStatusView;
}

export function bindingViews(bindings: readonly Binding[]): BindingView[] {
  return bindings.map((binding) => ({ extension: binding.extension, userId: binding.user_id }));
}
