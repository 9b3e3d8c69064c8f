/** Connections as the admin API shows them: the settings view plus how the webhook inbox is doing. */
import type { Binding, Connection, EventSourceState, EventSourceStatus } from '../storage/index.js';
import { toConnectionView, type ConnectionView } from './connections.js';
import type { HubContext } from './hub-context.js';

export const ERROR_WINDOW_MS = 60 * 60 * 1000;

export interface ConnectionStatusView extends ConnectionView {
  /** When the latest webhook arrived, whatever came of it; null when none has. */
  lastWebhookAt: string | null;
  /** Webhooks of the last hour that were rejected (bad signature, unknown format) or failed. */
  errorsLastHour: number;
  /** For a connector that keeps a connection to the PBX (Asterisk): how it is doing; null for webhooks. */
  eventSource: EventSourceView | null;
}

/** A connection's event source as the admin sees it, whichever hub instance runs it. */
export interface EventSourceView {
  status: EventSourceStatus;
  since: string | null;
  /** The hub instance holding it (with several instances on PostgreSQL). */
  instance: string | null;
  connectedAt: string | null;
  /** When the latest event was received (it is in the inbox). */
  lastEventAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** The latest outage between two sessions: events in it were not received, and open calls were reconciled. */
  lastGap: { from: string; to: string } | null;
  reconnects: number;
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
  const sources = connections.some((connection) => hub.findConnector(connection.connector_id)?.eventSource)
    ? new Map((await hub.store.eventSources.list()).map((state) => [state.connection_id, state]))
    : new Map<string, EventSourceState>();
  return connections.map((connection, index) => {
    const lastWebhookAt = activity[index]?.last_received_at ?? null;
    const hasSource = hub.findConnector(connection.connector_id)?.eventSource !== undefined;
    return {
      ...toConnectionView(hub, connection),
      lastWebhookAt,
      errorsLastHour: activity[index]?.errors_since ?? 0,
      eventSource: hasSource ? eventSourceView(connection, sources.get(connection.id), lastWebhookAt) : null,
    };
  });
}

function eventSourceView(
  connection: Connection,
  state: EventSourceState | undefined,
  lastEventAt: string | null,
): EventSourceView {
  const status: EventSourceStatus = connection.enabled !== 1 ? 'stopped' : (state?.status ?? 'connecting');
  return {
    status,
    since: state?.status_since ?? null,
    instance: state?.instance_id ?? null,
    connectedAt: state?.connected_at ?? null,
    lastEventAt,
    lastError: state?.last_error ?? null,
    lastErrorAt: state?.last_error_at ?? null,
    lastGap: state?.gap_from && state.gap_to ? { from: state.gap_from, to: state.gap_to } : null,
    reconnects: state?.reconnects ?? 0,
  };
}

export async function connectionStatusView(hub: HubContext, connection: Connection): Promise<ConnectionStatusView> {
  const [view] = await connectionStatusViews(hub, [connection]);
  return view as ConnectionStatusView;
}

export function bindingViews(bindings: readonly Binding[]): BindingView[] {
  return bindings.map((binding) => ({ extension: binding.extension, userId: binding.user_id }));
}
