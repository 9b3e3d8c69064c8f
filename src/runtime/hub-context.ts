/** What every runtime service shares. Built once by `createHub`; tests build their own. */
import type { ConnectorDefinition } from '../contract/index.js';
import type { Store } from '../storage/index.js';
import type { EventBus } from './event-bus.js';
import type { ModuleLatency } from './module-latency.js';
import type { HostLogger } from './module-runner.js';
import type { SecretBox } from './secret-box.js';

export interface HubContext {
  store: Store;
  box: SecretBox;
  log: HostLogger;
  bus: EventBus;
  latency: ModuleLatency;
  /** Where providers reach the hub, without a trailing slash. */
  publicUrl: string;
  now: () => Date;
  newId: () => string;
  findConnector: (id: string) => ConnectorDefinition | undefined;
  /** Fetch used by modules; tests may point it elsewhere. */
  fetch?: typeof globalThis.fetch;
  /** Aborted at shutdown: stops module calls in flight. */
  signal: AbortSignal;
  /** Told when a connection was added, saved or deleted, so its event source follows at once. */
  onConnectionsChanged?: () => void;
}

export function isoNow(hub: Pick<HubContext, 'now'>): string {
  return hub.now().toISOString();
}
