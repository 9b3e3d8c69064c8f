/** Real HTTP for tests: a server on a free port, a port nobody listens on, and a hub that keeps webhooks. */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeHeaders, type FetchRequest } from '../contract/index.js';

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 at a free port. */
export async function listen(handler: RequestListener): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A port that was free a moment ago and is closed now: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = await listen(() => {});
  await server.close();
  return Number(new URL(server.url).port);
}

export interface HubReceiver extends TestServer {
  /** Requests received so far, as the webhook intake hands them to a module: `path` is below `url`. */
  requests: FetchRequest[];
}

/** A stand-in for the hub's webhook URL: answers 200 to everything and keeps the requests. */
export async function startHubReceiver(): Promise<HubReceiver> {
  const requests: FetchRequest[] = [];
  const server = await listen((req, res) => {
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
  return { url: `${server.url}/hook`, requests, close: () => server.close() };
}
