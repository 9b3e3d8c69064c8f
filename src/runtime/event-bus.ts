/**
 * What users see live (popups, counters), addressed to users. Every event is appended to a log first
 * so an SSE client that reconnects with Last-Event-ID gets what it missed; then it is delivered to
 * subscribers. A PostgreSQL-backed bus (several hub instances) implements the same interface.
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
}

export type EventListener = (event: DeliveredEvent) => void;

export interface EventBus {
  publish(events: LiveEventInput[]): Promise<DeliveredEvent[]>;
  /** Returns the unsubscribe function. */
  subscribe(userId: string, listener: EventListener): () => void;
  /** Events for `userId` after `afterId`, oldest first (at most `limit`). */
  replay(userId: string, afterId: number, limit?: number): Promise<DeliveredEvent[]>;
}

export function createInProcessBus(log: EventLog, now: () => Date = () => new Date()): EventBus {
  const listeners = new Map<string, Set<EventListener>>();

  return {
    async publish(events) {
      const delivered: DeliveredEvent[] = [];
      for (const input of events) {
        const createdAt = now().toISOString();
        const id = await log.append({ ...input, createdAt });
        delivered.push({ ...input, id, createdAt });
      }
      for (const event of delivered) {
        for (const listener of listeners.get(event.userId) ?? []) {
          listener(event);
        }
      }
      return delivered;
    },

    subscribe(userId, listener) {
      const set = listeners.get(userId) ?? new Set<EventListener>();
      set.add(listener);
      listeners.set(userId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(userId);
      };
    },

    replay(userId, afterId, limit = 500) {
      return log.listAfter(userId, afterId, limit);
    },
  };
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
  };
}
