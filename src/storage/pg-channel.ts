/**
 * A PostgreSQL LISTEN/NOTIFY channel: how several hub instances on one database tell each other that
 * something happened. Messages are small (PostgreSQL refuses payloads of 8000 bytes or more), so
 * callers send ids and read the rows themselves.
 */
import pg from 'pg';
import type { StorageLogger } from './database.js';

/** A NOTIFY payload must stay below 8000 bytes; keep a margin for multi-byte characters. */
export const MAX_MESSAGE_BYTES = 7900;

export interface Channel {
  /** Sends `message` to every listener on the channel, this process's included. */
  send(message: string): Promise<void>;
  /** Returns the unsubscribe function. */
  listen(listener: (message: string) => void): () => void;
  /** Called after the listening connection was lost and made again: messages in between are gone. */
  onReconnect(listener: () => void): () => void;
  /** Resolves once the first `listen` is in effect (it waits for PostgreSQL if it is down). */
  listening: Promise<void>;
  close(): Promise<void>;
}

export interface PgChannelOptions {
  url: string;
  name: string;
  /** Runs `select pg_notify(name, message)` on a pooled connection. */
  notify: (name: string, message: string) => Promise<void>;
  log?: StorageLogger;
  /** First reconnect delay; doubles up to 5 s. */
  retryMs?: number;
}

/**
 * One dedicated connection LISTENs (a pooled one could be handed to a query in between); it is made
 * again with backoff when lost, and `onReconnect` listeners are told so they can catch up from the
 * database.
 */
export function openPgChannel(options: PgChannelOptions): Channel {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.name)) throw new Error(`Bad channel name "${options.name}"`);
  const listeners = new Set<(message: string) => void>();
  const reconnectListeners = new Set<() => void>();
  const firstDelay = options.retryMs ?? 200;
  let client: pg.Client | undefined;
  let closed = false;
  let delay = firstDelay;
  let timer: NodeJS.Timeout | undefined;
  let everConnected = false;
  let markListening = () => {};
  const listening = new Promise<void>((resolve) => (markListening = resolve));

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.url });
    next.on('notification', (notification) => {
      if (notification.channel !== options.name) return;
      for (const listener of listeners) listener(notification.payload ?? '');
    });
    next.on('error', (error) => {
      options.log?.warn({ err: error, channel: options.name }, 'PostgreSQL LISTEN connection lost');
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      schedule();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${options.name}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      await next.end();
      return;
    }
    client = next;
    delay = firstDelay;
    if (everConnected) for (const listener of reconnectListeners) listener();
    everConnected = true;
    markListening();
  };

  const schedule = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().catch((error: unknown) => {
        options.log?.warn({ err: error, channel: options.name }, 'Cannot LISTEN on PostgreSQL yet; retrying');
        schedule();
      });
    }, delay);
    delay = Math.min(delay * 2, 5000);
  };

  /** The LISTEN connection is made on the first `listen`: a process that only sends needs none. */
  let first: Promise<void> | undefined;
  const start = () => {
    first ??= connect().catch((error: unknown) => {
      options.log?.warn({ err: error, channel: options.name }, 'Cannot LISTEN on PostgreSQL yet; retrying');
      schedule();
    });
  };

  return {
    async send(message) {
      if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) {
        throw new Error(`A ${options.name} message must stay under ${MAX_MESSAGE_BYTES} bytes`);
      }
      await options.notify(options.name, message);
    },
    listening,
    listen(listener) {
      listeners.add(listener);
      start();
      return () => listeners.delete(listener);
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await first;
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}
