/**
 * What users see live (popups, counters), addressed to users. Every event is appended to a log first
 * so an SSE client that reconnects with Last-Event-ID gets what it missed; then it is delivered to
 * subscribers. With a channel (PostgreSQL LISTEN/NOTIFY) the instances sharing a database hear of
 * each other's events too.
 */

export type LiveEventType = 'call.ringing' | 'call.answered' | 'call.ended' | 'call.missed' | 'call.recorded';

export interface LiveEventInput {
  userId: string;
  type: LiveEventType;
  payload: Record<string, unknown>;
}

export interface DeliveredEvent extends LiveEventInput {
  /** Increasing per hub database: the SSE event id. */
  id: number;
  createdAt: string;
}

/** Where events are kept for resumption; the storage layer implements it. */
export interface EventLog {
  append(event: LiveEventInput & { createdAt: string }): Promise<number>;
  listAfter(userId: string, afterId: number, limit: number): Promise<DeliveredEvent[]>;
  listByIds(ids: number[]): Promise<DeliveredEvent[]>;
}

export type EventListener = (event: DeliveredEvent) => void;

export interface EventBus {
  publish(events: LiveEventInput[]): Promise<DeliveredEvent[]>;
  /** Returns the unsubscribe function. */
  subscribe(userId: string, listener: EventListener): () => void;
  /** Events for `userId` after `afterId`, oldest first (at most `limit`). */
  replay(userId: string, afterId: number, limit?: number): Promise<DeliveredEvent[]>;
  /** Starts hearing other instances' events; resolves when they will reach this one's subscribers. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * How instances tell each other about new events (PostgreSQL LISTEN/NOTIFY). Messages are small:
 * they carry event ids and user ids, and the receiver reads the events from the shared log.
 */
export interface BusChannel {
  send(message: string): Promise<void>;
  listen(listener: (message: string) => void): () => void;
  /** Messages sent while the channel was down are lost: the bus catches up from the log then. */
  onReconnect(listener: () => void): () => void;
  listening: Promise<void>;
  close(): Promise<void>;
}

const RECENT_IDS = 200;

interface BusOptions {
  now?: () => Date;
  /** Without one, only this process's subscribers hear of events (one instance, or SQLite). */
  channel?: BusChannel;
  /** Tells this instance's own messages from others'. */
  instanceId?: string;
  /** Keeps each channel message under the NOTIFY payload limit. */
  maxMessageBytes?: number;
}

/** What travels on the channel: who sent it and `[eventId, userId]` pairs. */
interface Announcement {
  from: string;
  events: Array<[number, string]>;
}

export function createEventBus(log: EventLog, options: BusOptions = {}): EventBus {
  const now = options.now ?? (() => new Date());
  const { channel } = options;
  const instanceId = options.instanceId ?? `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const listeners = new Map<string, Set<EventListener>>();
  /**
   * The ids recently handed to each user's subscribers. Ids come from one sequence but instances
   * commit in their own order, so "newer than the last one" would drop a slower instance's event.
   */
  const recent = new Map<string, number[]>();

  const deliver = (event: DeliveredEvent) => {
    const set = listeners.get(event.userId);
    const seen = recent.get(event.userId) ?? [];
    if (!set || seen.includes(event.id)) return;
    seen.push(event.id);
    if (seen.length > RECENT_IDS) seen.shift();
    recent.set(event.userId, seen);
    for (const listener of set) listener(event);
  };

  const onAnnouncement = async (message: string) => {
    const announcement = parseAnnouncement(message);
    if (!announcement || announcement.from === instanceId) return;
    const wanted = announcement.events.filter(([, userId]) => listeners.has(userId)).map(([id]) => id);
    if (wanted.length === 0) return;
    for (const event of (await log.listByIds(wanted)).sort((a, b) => a.id - b.id)) deliver(event);
  };

  const catchUp = async () => {
    for (const [userId, seen] of recent) {
      if (!listeners.has(userId) || seen.length === 0) continue;
      for (const event of await log.listAfter(userId, Math.min(...seen), 500)) deliver(event);
    }
  };

  let stopListening: (() => void) | undefined;
  let stopCatchingUp: (() => void) | undefined;

  return {
    async publish(events) {
      const published: DeliveredEvent[] = [];
      for (const input of events) {
        const createdAt = now().toISOString();
        const id = await log.append({ ...input, createdAt });
        published.push({ ...input, id, createdAt });
      }
      for (const event of published) deliver(event);
      if (channel && published.length > 0) {
        const pairs = published.map((event): [number, string] => [event.id, event.userId]);
        for (const message of announcements(instanceId, pairs, options.maxMessageBytes ?? 7900)) {
          await channel.send(message);
        }
      }
      return published;
    },

    subscribe(userId, listener) {
      const set = listeners.get(userId) ?? new Set<EventListener>();
      set.add(listener);
      listeners.set(userId, set);
      return () => {
        set.delete(listener);
        if (set.size > 0) return;
        listeners.delete(userId);
        recent.delete(userId);
      };
    },

    replay(userId, afterId, limit = 500) {
      return log.listAfter(userId, afterId, limit);
    },

    async ready() {
      if (!channel) return;
      // One announcement at a time, so a user's events reach the subscribers in the order they were sent.
      let handled = Promise.resolve();
      stopListening ??= channel.listen((message) => {
        handled = handled.then(() => onAnnouncement(message)).catch(() => undefined);
      });
      stopCatchingUp ??= channel.onReconnect(() => void catchUp().catch(() => undefined));
      await channel.listening;
    },

    async close() {
      stopListening?.();
      stopCatchingUp?.();
      await channel?.close();
    },
  };
}

/** The pairs split into messages of at most `maxBytes` each. */
function announcements(from: string, pairs: Array<[number, string]>, maxBytes: number): string[] {
  const messages: string[] = [];
  let batch: Array<[number, string]> = [];
  const encode = (events: Array<[number, string]>) => JSON.stringify({ from, events } satisfies Announcement);
  for (const pair of pairs) {
    if (batch.length > 0 && Buffer.byteLength(encode([...batch, pair])) > maxBytes) {
      messages.push(encode(batch));
      batch = [];
    }
    batch.push(pair);
  }
  if (batch.length > 0) messages.push(encode(batch));
  return messages;
}

function parseAnnouncement(message: string): Announcement | undefined {
  try {
    const value = JSON.parse(message) as Partial<Announcement>;
    if (typeof value.from !== 'string' || !Array.isArray(value.events)) return undefined;
    const events = value.events.filter(
      (pair): pair is [number, string] =>
        Array.isArray(pair) && Number.isSafeInteger(pair[0]) && typeof pair[1] === 'string',
    );
    return { from: value.from, events };
  } catch {
    return undefined;
  }
}

/** An event log kept in memory, for tests and tools that have no database. */
export function createMemoryEventLog(): EventLog {
  const events: DeliveredEvent[] = [];
  return {
    async append(event) {
      const id = events.length + 1;
      events.push({ ...event, id });
      return id;
    },
    async listAfter(userId, afterId, limit) {
      return events.filter((event) => event.userId === userId && event.id > afterId).slice(0, limit);
    },
    async listByIds(ids) {
      return events.filter((event) => ids.includes(event.id));
    },
  };
}
