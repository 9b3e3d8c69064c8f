/**
 * Test support: an in-memory ConnectorContext and a tiny hub that records what the emulator pushes,
 * so tests can feed it to the connector exactly as received.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeHeaders } from '../../contract/index.js';
import type { ConnectorContext, FetchRequest, SettingsValues } from '../../contract/index.js';

export interface MemoryContext {
  ctx: ConnectorContext;
  storage: Map<string, string>;
  logs: Array<{ level: string; message: string; data?: Record<string, unknown> }>;
}

export function memoryContext(
  settings: SettingsValues,
  signal: AbortSignal = new AbortController().signal,
): MemoryContext {
  const storage = new Map<string, string>();
  const logs: MemoryContext['logs'] = [];
  const log = (level: string) => (message: string, data?: Record<string, unknown>) =>
    logs.push({ level, message, data });
  const ctx: ConnectorContext = {
    settings,
    storage: {
      getItem: async (key) => storage.get(key),
      setItem: async (key, value) => void storage.set(key, value),
      removeItem: async (key) => void storage.delete(key),
    },
    fetch: (input, init) => fetch(input, { ...init, signal }),
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    signal,
    now: () => new Date(),
    webhookUrl: 'http://127.0.0.1/webhooks/mango',
  };
  return { ctx, storage, logs };
}

export interface HubReceiver {
  /** Give this to the emulator as its hub URL. */
  url: string;
  /** Requests received so far, as a webhook handler would see them. */
  requests: FetchRequest[];
  close(): Promise<void>;
}

/** A node:http server on a free port that answers 200 to everything and keeps the requests. */
export async function startHubReceiver(): Promise<HubReceiver> {
  const requests: FetchRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://hub.test');
      requests.push({
        method: req.method ?? 'GET',
        url: url.href,
        path: url.pathname.replace(/^\/hook/, '') || '/',
        query: Object.fromEntries(url.searchParams),
        headers: makeHeaders(req.headers),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
