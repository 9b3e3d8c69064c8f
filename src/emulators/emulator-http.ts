/** Plumbing the provider emulators share: the server, a JSON error that becomes the reply, bounded bodies, JSON replies. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Thrown inside a handler; the server answers `status` with `body` as JSON. */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

export async function readBody(req: IncomingMessage, limit = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new EmulatorHttpError(413, { error: 'Body too large' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A POST /_emulator/scenario body's `options`: delivery order and pacing. */
export function readDeliveryOptions(value: unknown): {
  shuffle: boolean;
  duplicates: boolean;
  seed?: number;
  delayMs: number;
} {
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const delayMs = Number(o.delayMs ?? 0);
  if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > 60_000) {
    throw new EmulatorHttpError(400, { error: '"options.delayMs" must be 0…60000' });
  }
  return {
    shuffle: o.shuffle === true,
    duplicates: o.duplicates === true,
    ...(typeof o.seed === 'number' ? { seed: o.seed } : {}),
    delayMs,
  };
}

/** Every `[name, value]` of a form, as the provider's PHP would read `$_POST` (the first of repeated keys). */
export function formFields(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) if (!(key in fields)) fields[key] = value;
  return fields;
}

/**
 * Work an emulator goes on with after it answered (callback legs, pushes to the hub): failures are dropped,
 * as a PBX drops them, and `idle` lets a test wait until it is all done.
 */
export function backgroundWork(): { run(work: Promise<unknown>): void; idle(): Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  return {
    run(work) {
      const tracked = work.catch(() => undefined).finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/**
 * Serves `route` on `host:port` (loopback and a free port unless told). An EmulatorHttpError thrown by the route
 * becomes its reply; anything else a 500 whose JSON body `internalError` words as the provider would.
 */
export async function serveEmulator(
  route: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  options: { host?: string; port?: number },
  internalError: (message: string) => unknown = (message) => ({ error: message }),
): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof EmulatorHttpError) sendJson(res, error.status, error.body);
      else sendJson(res, 500, internalError((error as Error).message));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  // Bound to every interface, it is still reached on loopback from this machine.
  return { server, origin: `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}` };
}

/**
 * A `POST /_emulator/config` body: a new hub URL, a new staff list, or both. Each staff member must have the
 * string fields `staffFields`, named as this provider names them.
 */
export function readEmulatorConfig<Member>(
  body: string,
  staffFields: readonly string[],
): { hubUrl?: string; staff?: Member[] } {
  const value = parseJson(body) as Record<string, unknown> | undefined;
  if (typeof value !== 'object' || value === null) {
    throw new EmulatorHttpError(400, { error: 'Send a JSON object {hubUrl?, staff?}' });
  }
  if (value.hubUrl !== undefined && (typeof value.hubUrl !== 'string' || !URL.canParse(value.hubUrl))) {
    throw new EmulatorHttpError(400, { error: '"hubUrl" must be an absolute URL' });
  }
  const isMember = (m: unknown) =>
    typeof m === 'object' &&
    m !== null &&
    staffFields.every((k) => typeof (m as Record<string, unknown>)[k] === 'string');
  if (value.staff !== undefined && !(Array.isArray(value.staff) && value.staff.every(isMember))) {
    throw new EmulatorHttpError(400, { error: `"staff" must be an array of {${staffFields.join(', ')}}` });
  }
  return { hubUrl: value.hubUrl as string | undefined, staff: value.staff as Member[] | undefined };
}

/** Stops listening and drops kept-alive connections, so closing never waits for a client. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
