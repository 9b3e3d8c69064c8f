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

/**
 * `fn` with a context whose repositories write in one transaction; a `store.transaction` inside joins it.
 * Nothing in `fn` may wait on the network: on SQLite the transaction holds the only connection.
 */
export function inTransaction<T>(hub: HubContext, fn: (tx: HubContext) => Promise<T>): Promise<T> {
  return hub.store.transaction((repos) =>
    fn({ ...hub, store: { ...hub.store, ...repos, transaction: (inner) => inner(repos) } }),
  );
}

export function isoNow(hub: Pick<HubContext, 'now'>): string {
  return hub.now().toISOString();
}
