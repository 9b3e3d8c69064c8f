/**
 * The hub without HTTP: storage, modules, the webhook inbox, calls and live events, composed once.
 * The server and the CLI both build on it.
 */
import { randomUUID } from 'node:crypto';
import type { ConnectorDefinition } from '../contract/index.js';
import type { LiveEvent, Store } from '../storage/index.js';
import { announceWebhookUrl } from './connections.js';
import {
  createEventBus,
  type BusChannel,
  type DeliveredEvent,
  type EventBus,
  type EventLog,
  type LiveEventType,
} from './event-bus.js';
import type { HubContext } from './hub-context.js';
import { ModuleLatency } from './module-latency.js';
import type { HostLogger } from './module-runner.js';
import type { SecretBox } from './secret-box.js';
import { createEventSources, type EventSources, type EventSourcesOptions } from './event-sources.js';
import { createWebhookIntake, type WebhookIntake } from './webhook-intake.js';

export interface HubOptions {
  store: Store;
  box: SecretBox;
  log: HostLogger;
  publicUrl: string;
  findConnector: (id: string) => ConnectorDefinition | undefined;
  now?: () => Date;
  fetch?: typeof globalThis.fetch;
  /** Defaults to the in-process bus over the database's event log. */
  bus?: EventBus;
  /** Timings of the connections' event sources (tests shorten them). */
  eventSources?: EventSourcesOptions;
}

export interface Hub extends HubContext {
  intake: WebhookIntake;
  /** The PBX connections the hub keeps open for connectors with an event source (Asterisk). */
  eventSources: EventSources;
  /** Crash leftovers handled, and every enabled connection told its webhook URL (as ELMA365 does at start). */
  start(): Promise<void>;
  /** Stops module calls in flight and waits for the inbox; the store stays open (its owner closes it). */
  stop(): Promise<void>;
}

export function createHub(options: HubOptions): Hub {
  const now = options.now ?? (() => new Date());
  const controller = new AbortController();
  const context: HubContext = {
    store: options.store,
    box: options.box,
    log: options.log,
    bus: options.bus ?? createEventBus(eventLog(options.store), { now, ...sharedChannel(options.store) }),
    latency: new ModuleLatency(),
    publicUrl: options.publicUrl.replace(/\/+$/, ''),
    now,
    newId: randomUUID,
    findConnector: options.findConnector,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    signal: controller.signal,
    onConnectionsChanged: () => {
      eventSources.sync().catch((error: unknown) => options.log.warn({ err: error }, 'event sources: sync failed'));
    },
  };
  const intake = createWebhookIntake(context);
  const eventSources = createEventSources(context, intake, options.eventSources);

  return {
    ...context,
    intake,
    eventSources,
    async start() {
      await context.bus.ready();
      const recovered = await intake.recoverPending();
      if (recovered > 0) options.log.info({ recovered }, 'handled webhooks left pending by a crash');
      for (const connection of await options.store.connections.list()) {
        await announceWebhookUrl(context, connection);
      }
      await eventSources.start();
    },
    async stop() {
      await eventSources.stop();
      await intake.idle();
      controller.abort();
      await context.bus.close();
    },
  };
}

/** The bus's resumable log on the live_events table. */
export function eventLog(store: Store): EventLog {
  return {
    append: (event) =>
      store.events.append({
        user_id: event.userId,
        type: event.type,
        payload: JSON.stringify(event.payload),
        created_at: event.createdAt,
      }),
    listAfter: async (userId, afterId, limit) => (await store.events.listAfter(userId, afterId, limit)).map(fromRow),
    listByIds: async (ids) => (await store.events.listByIds(ids)).map(fromRow),
  };
}

function fromRow(row: LiveEvent): DeliveredEvent {
  return {
    id: row.id,
    userId: row.user_id,
    type: row.type as LiveEventType,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

/** On PostgreSQL, instances sharing the database share live events; on SQLite there is one instance. */
function sharedChannel(store: Store): { channel?: BusChannel } {
  return store.openChannel ? { channel: store.openChannel(LIVE_EVENTS_CHANNEL) } : {};
}

const LIVE_EVENTS_CHANNEL = 'switchboard_live_events';
