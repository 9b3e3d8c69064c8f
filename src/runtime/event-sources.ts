/**
 * Event sources: PBX connections the hub keeps open (Asterisk AMI over TCP, ARI over a WebSocket), for
 * connectors that declare one instead of calling webhooks. For every enabled connection of such a
 * connector a supervisor connects, pings the session, reconnects with backoff when it drops, and hands
 * each received event to the webhook intake, so it is stored raw in the inbox, parsed by the module's
 * `VoipParseWebhookRequest` and applied by the call tracker exactly like a webhook.
 *
 * On PostgreSQL several hub instances share the database, and a PBX must be followed by one of them
 * only: a supervisor first takes the connection's advisory lock on a connection of its own and runs the
 * source while it holds it; the others try again every few seconds, so the source moves when its holder
 * dies. SQLite has one instance and no lock. The state (connected, last error, the last gap between two
 * sessions) is written to `event_sources` by the holder, so every instance's API shows it.
 *
 *   connecting ──connect()──▶ connected ──closed / ping failed──▶ disconnected ──backoff──▶ connecting
 *        ▲  └──failed: backoff──┘                                                        (resume: since)
 *        └── lock taken (PostgreSQL) ◀── standby: another instance holds it, try again every lockRetryMs
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ConnectorDefinition,
  EventSession,
  EventSourceResume,
  ModuleLog,
  SourceEvent,
} from '../contract/index.js';
import type { Connection, EventSourceState, HeldLock } from '../storage/index.js';
import { openSettings } from './connection-settings.js';
import { moduleStorage, webhookUrl } from './connections.js';
import { isoNow, type HubContext } from './hub-context.js';
import type { HostLogger } from './module-runner.js';
import type { WebhookIntake } from './webhook-intake.js';

export interface EventSourcesOptions {
  /** How often to look for connections added, changed or removed; default 5 s. */
  syncMs?: number;
  /** How often a standby instance tries to take a source's lock; default 5 s. */
  lockRetryMs?: number;
  /** First reconnect delay, doubled after each failure up to `maxBackoffMs`; default 1 s. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A ping that takes longer fails; default 10 s. */
  pingTimeoutMs?: number;
}

export interface EventSources {
  /** Starts the connections' sources and keeps looking for changes. */
  start(): Promise<void>;
  /** Starts, restarts (settings changed) and stops sources to match the connections now. */
  sync(): Promise<void>;
  /** Closes every source; states become `stopped`. */
  stop(): Promise<void>;
  /** Ids of the connections whose source this instance runs (holds the lock for). */
  held(): string[];
}

const DEFAULTS = { syncMs: 5000, lockRetryMs: 5000, backoffMs: 1000, maxBackoffMs: 30_000, pingTimeoutMs: 10_000 };
const DEFAULT_PING_MS = 30_000;

/** The key of a connection's lock: one name per connection, whatever its settings. */
export function eventSourceLockKey(connectionId: string): string {
  return `switchboard:event-source:${connectionId}`;
}

export function createEventSources(
  hub: HubContext,
  intake: WebhookIntake,
  options: EventSourcesOptions = {},
): EventSources {
  const settings = { ...DEFAULTS, ...options };
  const instanceId = `${hostname()}:${process.pid}:${hub.newId().slice(0, 8)}`;
  const running = new Map<string, Supervisor>();
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> = Promise.resolve();
  let stopped = false;

  const syncOnce = async () => {
    if (stopped) return;
    const wanted = new Map<string, { connection: Connection; definition: ConnectorDefinition }>();
    for (const connection of await hub.store.connections.list()) {
      const definition = hub.findConnector(connection.connector_id);
      if (connection.enabled === 1 && definition?.eventSource) wanted.set(connection.id, { connection, definition });
    }
    for (const [id, supervisor] of running) {
      const next = wanted.get(id);
      if (next && next.connection.updated_at === supervisor.version) continue;
      running.delete(id);
      await supervisor.stop(next === undefined);
    }
    for (const [id, { connection, definition }] of wanted) {
      if (running.has(id) || stopped) continue;
      const supervisor = new Supervisor(hub, intake, connection, definition, instanceId, settings);
      running.set(id, supervisor);
      supervisor.start();
    }
  };
  const sync = () => (syncing = syncing.then(syncOnce, syncOnce));

  return {
    async start() {
      stopped = false;
      await sync();
      timer = setInterval(() => {
        sync().catch((error: unknown) => hub.log.warn({ err: error }, 'event sources: could not read the connections'));
      }, settings.syncMs);
      timer.unref();
    },
    sync,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await syncing.catch(() => undefined);
      await Promise.all([...running.values()].map((supervisor) => supervisor.stop(true)));
      running.clear();
    },
    held: () => [...running.values()].filter((supervisor) => supervisor.holding).map((supervisor) => supervisor.id),
  };
}

type Settings = typeof DEFAULTS;

/** One connection's source on this instance. */
class Supervisor {
  readonly id: string;
  readonly version: string;
  holding = false;
  readonly #controller = new AbortController();
  readonly #log: HostLogger;
  #loop: Promise<void> = Promise.resolve();
  #state: EventSourceState | undefined;

  constructor(
    private readonly hub: HubContext,
    private readonly intake: WebhookIntake,
    private readonly connection: Connection,
    private readonly definition: ConnectorDefinition,
    private readonly instanceId: string,
    private readonly settings: Settings,
  ) {
    this.id = connection.id;
    this.version = connection.updated_at;
    this.#log = hub.log.child({ connectionId: connection.id, connector: definition.id, eventSource: true });
  }

  start(): void {
    this.#loop = this.#run().catch((error: unknown) => this.#log.error({ err: error }, 'event source stopped'));
  }

  /** `final`: the connection is gone or disabled (or the hub stops), so the state says `stopped`. */
  async stop(final: boolean): Promise<void> {
    this.#controller.abort();
    await this.#loop;
    if (final && this.#state) await this.#save({ status: 'stopped' });
  }

  get #signal(): AbortSignal {
    return this.#controller.signal;
  }

  async #run(): Promise<void> {
    const lock = this.hub.store.lock;
    while (!this.#signal.aborted) {
      let held: HeldLock | undefined;
      if (lock) {
        held = await lock.tryHold(eventSourceLockKey(this.id)).catch((error: unknown) => {
          this.#log.warn({ err: error }, 'event source: could not ask PostgreSQL for the lock');
          return undefined;
        });
        if (!held) {
          await this.#pause(this.settings.lockRetryMs);
          continue;
        }
      }
      this.holding = true;
      try {
        await this.#whileHeld(held);
      } finally {
        this.holding = false;
        await held?.release();
      }
    }
  }

  /** Connects again and again while this instance holds the source. */
  async #whileHeld(held: HeldLock | undefined): Promise<void> {
    const lockLost = held?.lost.then(() => 'this instance lost its PostgreSQL lock');
    let resume = await this.#resumePoint();
    let backoff = this.settings.backoffMs;
    let lost = false;
    void lockLost?.then(() => (lost = true));
    while (!this.#signal.aborted && !lost) {
      await this.#save({ status: 'connecting' });
      let session: EventSession;
      try {
        session = await this.definition.eventSource!.connect(this.#context(), resume);
      } catch (error) {
        if (this.#signal.aborted) return;
        const message = error instanceof Error ? error.message : String(error);
        this.#log.warn({ err: message, retryInMs: backoff }, 'event source: could not connect');
        await this.#save({ status: 'connecting', last_error: message, last_error_at: isoNow(this.hub) });
        await this.#pause(backoff);
        backoff = Math.min(backoff * 2, this.settings.maxBackoffMs);
        continue;
      }
      backoff = this.settings.backoffMs;
      const at = isoNow(this.hub);
      const gap = resume ? { gap_from: resume.since, gap_to: at } : {};
      if (resume)
        this.#log.warn({ from: resume.since, to: at }, 'event source reconnected: events in the gap were missed');
      else this.#log.info({}, 'event source connected');
      await this.#save({
        status: 'connected',
        connected_at: at,
        ...gap,
        reconnects: (this.#state?.reconnects ?? 0) + (resume ? 1 : 0),
      });

      const reason = await this.#watch(session, lockLost);
      const ended = isoNow(this.hub);
      resume = { since: ended };
      if (this.#signal.aborted) {
        await this.#save({ status: 'disconnected', disconnected_at: ended });
        return;
      }
      this.#log.warn({ reason }, 'event source disconnected');
      await this.#save({ status: 'disconnected', disconnected_at: ended, last_error: reason, last_error_at: ended });
      if (!lost) await this.#pause(backoff);
    }
  }

  /** Waits for the session to end, pinging it meanwhile; returns why it ended and makes sure it is closed. */
  async #watch(session: EventSession, lockLost: Promise<string> | undefined): Promise<string> {
    const pingMs = this.definition.eventSource!.pingIntervalMs ?? DEFAULT_PING_MS;
    let failedPing: (reason: string) => void = () => {};
    const pingFailed = new Promise<string>((resolve) => (failedPing = resolve));
    const pinger = setInterval(() => {
      const timeout = sleep(this.settings.pingTimeoutMs, 'timeout', { ref: false });
      Promise.race([session.ping().then(() => 'ok'), timeout])
        .then((outcome) => {
          if (outcome === 'timeout')
            failedPing(`the PBX did not answer a ping within ${this.settings.pingTimeoutMs} ms`);
        })
        .catch((error: unknown) =>
          failedPing(`a ping failed: ${error instanceof Error ? error.message : String(error)}`),
        );
    }, pingMs);
    const aborted = new Promise<string>((resolve) =>
      this.#signal.addEventListener('abort', () => resolve('stopped'), { once: true }),
    );
    try {
      return await Promise.race([session.closed, pingFailed, aborted, ...(lockLost ? [lockLost] : [])]);
    } finally {
      clearInterval(pinger);
      await session.close().catch(() => undefined);
    }
  }

  /**
   * Where the previous session left off, when there was one: its end, or, when its holder died while
   * connected, the latest event it stored.
   */
  async #resumePoint(): Promise<EventSourceResume | undefined> {
    const previous = (this.#state ??= await this.hub.store.eventSources.get(this.id));
    if (!previous || previous.connected_at === null) return undefined;
    if (previous.status !== 'connected' && previous.disconnected_at) return { since: previous.disconnected_at };
    const [activity] = await this.hub.store.webhooks.activity([this.id], '0000');
    const last = activity?.last_received_at;
    return { since: last && last > previous.connected_at ? last : previous.connected_at };
  }

  #context() {
    const settings = openSettings(JSON.parse(this.connection.settings) as Record<string, unknown>, this.hub.box);
    const url = webhookUrl(this.hub, this.connection);
    return {
      settings,
      storage: moduleStorage(this.hub, this.id),
      log: moduleLog(this.#log),
      signal: this.#signal,
      now: this.hub.now,
      deliver: async (event: SourceEvent) => {
        await this.intake.receive(
          this.connection,
          {
            method: 'POST',
            url: `${url}${event.path}`,
            path: event.path,
            query: {},
            headers: { 'content-type': event.contentType, 'x-switchboard-source': 'event-source' },
            body: event.body,
          },
          { retries: false },
        );
      },
    };
  }

  async #save(patch: Partial<EventSourceState>): Promise<void> {
    const at = isoNow(this.hub);
    const before = this.#state;
    const next: EventSourceState = {
      connection_id: this.id,
      status: 'connecting',
      connected_at: null,
      disconnected_at: null,
      last_error: null,
      last_error_at: null,
      gap_from: null,
      gap_to: null,
      reconnects: 0,
      ...before,
      ...patch,
      instance_id: this.instanceId,
      status_since: patch.status && patch.status !== before?.status ? at : (before?.status_since ?? at),
      updated_at: at,
    };
    this.#state = next;
    try {
      await this.hub.store.eventSources.save(next);
    } catch (error) {
      // The connection was deleted meanwhile (its row goes with it); the next sync stops this supervisor.
      this.#log.debug({ err: error }, 'event source: could not save its state');
    }
  }

  /** Sleeps, waking early when the source is stopped. */
  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#signal }).catch(() => undefined);
  }
}

function moduleLog(logger: HostLogger): ModuleLog {
  return {
    debug: (message, data) => logger.debug(data ?? {}, message),
    info: (message, data) => logger.info(data ?? {}, message),
    warn: (message, data) => logger.warn(data ?? {}, message),
    error: (message, data) => logger.error(data ?? {}, message),
  };
}
