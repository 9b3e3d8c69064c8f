/**
 * The fake PBX API as a real HTTP server, for tests and the demo. It speaks the protocol the fake
 * connector's client expects (see src/connectors/fake/fake-api.ts) and remembers what it was asked to do.
 * Its types are its own: an emulator that imported the connector's would agree with any mistake in it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeEmulatorOptions {
  /** The bearer token every request must carry. */
  secret: string;
  members: Array<{ ext: string; name: string }>;
}

export interface FakeEmulator {
  /** Base URL, e.g. `http://127.0.0.1:40123`; put it in the connection's `apiUrl` setting. */
  url: string;
  /** Calls requested with `POST /calls`, oldest first. */
  calls: Array<{ from: string; to: string }>;
  /** Webhook URLs registered with `POST /webhook`, oldest first. */
  subscriptions: string[];
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** Starts the emulator on a free port of 127.0.0.1. */
export async function startFakeEmulator(options: FakeEmulatorOptions): Promise<FakeEmulator> {
  const calls: FakeEmulator['calls'] = [];
  const subscriptions: string[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.headers.authorization !== `Bearer ${options.secret}`)
      return send(response, 401, { error: 'bad token' });
    const route = `${request.method} ${new URL(request.url ?? '/', 'http://emulator').pathname}`;
    if (route === 'GET /ping') return send(response, 200, { ok: true });
    if (route === 'GET /members') return send(response, 200, options.members);
    if (route === 'POST /calls') {
      const body = await readJson(request);
      if (typeof body?.from !== 'string' || typeof body.to !== 'string') {
        return send(response, 400, { error: 'from and to are required' });
      }
      if (!options.members.some((member) => member.ext === body.from)) {
        return send(response, 404, { error: `no extension ${body.from}` });
      }
      calls.push({ from: body.from, to: body.to });
      return send(response, 201, { id: `call-${calls.length}` });
    }
    if (route === 'POST /webhook') {
      const body = await readJson(request);
      if (typeof body?.url !== 'string') return send(response, 400, { error: 'url is required' });
      subscriptions.push(body.url);
      return send(response, 200, { ok: true });
    }
    send(response, 404, { error: `no route ${route}` });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    subscriptions,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
