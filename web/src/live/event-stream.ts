/** The SSE stream `/api/v1/events` behind the hub's `OpenStream`, and its message parsing. */
import { LIVE_EVENT_TYPES } from '../api/types.js';
import type { Call, LiveEvent, LiveEventType } from '../api/types.js';
import type { OpenStream } from './live-hub.js';

const STATUSES = new Set(['ringing', 'talking', 'ended']);

function isCall(value: unknown): value is Call {
  if (!value || typeof value !== 'object') return false;
  const call = value as Partial<Call>;
  return typeof call.id === 'string' && typeof call.status === 'string' && STATUSES.has(call.status);
}

/** The calls of a `snapshot` event; malformed data gives none rather than an exception. */
export function parseSnapshot(data: string): Call[] | null {
  try {
    const parsed = JSON.parse(data) as { calls?: unknown };
    return Array.isArray(parsed.calls) ? parsed.calls.filter(isCall) : null;
  } catch {
    return null;
  }
}

/** One call event, or null when the data is not one. */
export function parseLiveEvent(type: LiveEventType, data: string, id?: string): LiveEvent | null {
  try {
    const parsed = JSON.parse(data) as { call?: unknown; answeredBy?: unknown };
    if (!isCall(parsed.call)) return null;
    const event: LiveEvent = { type, call: parsed.call };
    if (id) event.id = id;
    const by = parsed.answeredBy as { userId?: unknown; name?: unknown } | null | undefined;
    if (by && typeof by.userId === 'string') {
      event.answeredBy = { userId: by.userId, name: typeof by.name === 'string' ? by.name : '' };
    }
    return event;
  } catch {
    return null;
  }
}

/** The wait before reconnect attempt `attempt` (0-based): 1 s doubling up to 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt));
}

/**
 * EventSource reconnects by itself (with Last-Event-ID) after a dropped connection, but gives up
 * for good on an HTTP error such as 401 or a proxy's 502; then this opens a new one after a
 * back-off, and the server's `snapshot` restores the live calls.
 */
export function eventSourceStream(url: string, onGiveUp?: () => void): OpenStream {
  return (handlers) => {
    let source: EventSource | null = null;
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;

    const connect = () => {
      handlers.status('connecting');
      const es = new EventSource(url, { withCredentials: true });
      source = es;
      es.onopen = () => {
        attempt = 0;
        handlers.status('live');
      };
      es.onerror = () => {
        if (es.readyState !== EventSource.CLOSED) {
          handlers.status('connecting');
          return;
        }
        handlers.status('offline');
        onGiveUp?.();
        if (!closed) timer = setTimeout(connect, reconnectDelay(attempt++));
      };
      es.addEventListener('snapshot', (e) => {
        const calls = parseSnapshot((e as MessageEvent<string>).data);
        if (calls) handlers.snapshot(calls);
      });
      for (const type of LIVE_EVENT_TYPES) {
        es.addEventListener(type, (e) => {
          const message = e as MessageEvent<string>;
          const event = parseLiveEvent(type, message.data, message.lastEventId);
          if (event) handlers.event(event);
        });
      }
    };

    connect();
    return {
      close() {
        closed = true;
        clearTimeout(timer);
        source?.close();
      },
    };
  };
}
