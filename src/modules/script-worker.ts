/**
 * The inside of a script module's worker thread. `script-host.ts` bundles this file and starts it with
 * resource limits; every call gets a fresh `node:vm` context holding only ELMA365's globals
 * (`Namespace`, `fetch`, `HttpResponse`, the `Voip*` enums, `console`, call-scoped timers, `URL`), so a
 * script sees no `require`, `process` or filesystem. Storage, fetch and logging are asked of the main
 * thread, which owns the connection's context. A synchronous loop is cut by the vm timeout; a loop
 * after an `await` blocks this thread, and the main thread then terminates it.
 */
import { format } from 'node:util';
import vm from 'node:vm';
import { parentPort } from 'node:worker_threads';
import {
  HttpResponse,
  HttpStatusCode,
  VoipCallDirection,
  VoipCallDisposition,
  VoipWebhookEvent,
  makeHeaders,
  type FetchRequest,
} from '../contract/index.js';
import type { FetchReply, HostReply, ToHost, ToWorker, WorkerCall, WireError } from './script-protocol.js';

const port = parentPort;
if (!port) throw new Error('script-worker.ts runs only as a worker thread');

const scripts = new Map<string, vm.Script>();
const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let nextRequest = 1;

function send(message: ToHost): void {
  port?.postMessage(message);
}

type Ask =
  | Omit<Extract<ToHost, { type: 'fetch' }>, 'request' | 'callId'>
  | Omit<Extract<ToHost, { type: 'storage' }>, 'request' | 'callId'>;

function ask(callId: number, request: Ask) {
  const id = nextRequest++;
  return new Promise<unknown>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ ...request, callId, request: id } as ToHost);
  });
}

function toError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.kind !== undefined) Object.assign(error, { kind: wire.kind });
  return error;
}

function toWire(error: unknown): WireError {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const { name, message, kind, stack } = error as {
      name?: unknown;
      message?: unknown;
      kind?: unknown;
      stack?: unknown;
    };
    return {
      name: typeof name === 'string' ? name : 'Error',
      message: String(message),
      ...(typeof kind === 'string' ? { kind } : {}),
      ...(typeof stack === 'string' ? { where: scriptLine(stack) } : {}),
    };
  }
  return {
    name: 'Error',
    message: typeof error === 'string' ? error : `a non-error value was thrown: ${format(error)}`,
  };
}

/** "line 12" of the module when the stack points into it. */
function scriptLine(stack: string): string | undefined {
  const match = /module\.js:(\d+)(?::(\d+))?/.exec(stack);
  return match ? `line ${match[1]} of the transpiled script` : undefined;
}

/** The ELMA-style response: status, statusText, headers, json(), text(). */
class FetchResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  readonly redirected: boolean;
  readonly headers: Headers;
  readonly #body: Uint8Array;

  constructor(reply: FetchReply) {
    this.status = reply.status;
    this.statusText = reply.statusText;
    this.ok = reply.status >= 200 && reply.status < 300;
    this.url = reply.url;
    this.redirected = reply.redirected;
    this.headers = new Headers(reply.headers);
    this.#body = reply.body;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(this.#body);
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.#body.slice().buffer;
  }
}

function requestBody(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice();
  return JSON.stringify(body);
}

function plainHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (typeof (headers as Headers).forEach === 'function' && !Array.isArray(headers)) {
    const out: Record<string, string> = {};
    (headers as Headers).forEach((value, key) => (out[key] = value));
    return out;
  }
  const entries = Array.isArray(headers) ? (headers as Array<[string, unknown]>) : Object.entries(headers);
  return Object.fromEntries(entries.map(([key, value]) => [String(key), String(value)]));
}

function scriptFetch(callId: number) {
  return async (input: unknown, init: Record<string, unknown> = {}): Promise<FetchResponse> => {
    const url = typeof input === 'object' && input !== null && 'url' in input ? String(input.url) : String(input);
    const body = requestBody(init.body);
    const reply = (await ask(callId, {
      type: 'fetch',
      url,
      init: {
        method: typeof init.method === 'string' ? init.method.toUpperCase() : 'GET',
        headers: plainHeaders(init.headers),
        ...(body === undefined ? {} : { body }),
        ...(init.redirect === 'manual' || init.redirect === 'error' ? { redirect: init.redirect } : {}),
      },
    })) as FetchReply;
    return new FetchResponse(reply);
  };
}

/** A storage item as ELMA365 scripts use it: text in, text (or undefined) out. */
function scriptStorage(callId: number) {
  return {
    getItem: async (key: unknown) =>
      (await ask(callId, { type: 'storage', op: 'get', key: String(key) })) as string | undefined,
    setItem: async (key: unknown, value: unknown) => {
      await ask(callId, { type: 'storage', op: 'set', key: String(key), value: String(value) });
    },
    removeItem: async (key: unknown) => {
      await ask(callId, { type: 'storage', op: 'remove', key: String(key) });
    },
  };
}

function scriptConsole(callId: number) {
  const line =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) =>
      send({ type: 'log', callId, level, message: format(...args).slice(0, 4000) });
  return { log: line('info'), info: line('info'), debug: line('debug'), warn: line('warn'), error: line('error') };
}

/** setTimeout for this call only: what is still pending when the call ends is cleared. */
function callTimers(timers: Set<ReturnType<typeof setTimeout>>) {
  return {
    setTimeout: (fn: unknown, ms?: unknown, ...args: unknown[]) => {
      if (typeof fn !== 'function') throw new TypeError('setTimeout needs a function');
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          (fn as (...a: unknown[]) => void)(...args);
        },
        Math.max(0, Number(ms) || 0),
      );
      timers.add(timer);
      return timer;
    },
    clearTimeout: (timer: ReturnType<typeof setTimeout>) => {
      clearTimeout(timer);
      timers.delete(timer);
    },
  };
}

/** The webhook request with headers readable in any casing, as `request.headers['Content-Type']`. */
function toRequest(value: unknown): FetchRequest {
  const request = value as FetchRequest;
  return { ...request, headers: makeHeaders(request.headers ?? {}) };
}

function compiled(call: WorkerCall): vm.Script {
  let script = scripts.get(call.moduleKey);
  if (!script) {
    script = new vm.Script(call.code, { filename: 'module.js' });
    scripts.set(call.moduleKey, script);
  }
  return script;
}

async function run(call: WorkerCall): Promise<unknown> {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const { setTimeout: callSetTimeout, clearTimeout: callClearTimeout } = callTimers(timers);
  const globals = {
    Namespace: { params: { data: structuredClone(call.settings) }, storage: scriptStorage(call.callId) },
    fetch: scriptFetch(call.callId),
    console: scriptConsole(call.callId),
    FetchResponse,
    HttpResponse,
    HttpStatusCode,
    VoipWebhookEvent,
    VoipCallDirection,
    VoipCallDisposition,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    setTimeout: callSetTimeout,
    clearTimeout: callClearTimeout,
  };
  const context = vm.createContext(globals, {
    name: `script module ${call.moduleKey}`,
    codeGeneration: { strings: false, wasm: false },
  });
  const options = { timeout: call.syncTimeoutMs, breakOnSigint: false };
  try {
    compiled(call).runInContext(context, options);
    if (call.fn === '#inspect') {
      return vm.runInContext(
        `[${FUNCTIONS.map((name) => `typeof ${name} === 'function' ? '${name}' : ''`).join(',')}].filter(Boolean)`,
        context,
        options,
      );
    }
    const args = call.fn === 'VoipParseWebhookRequest' ? [toRequest(call.args[0])] : call.args;
    Object.defineProperty(context, '__switchboardArgs', { value: args, configurable: true });
    const value: unknown = await vm.runInContext(`${call.fn}(...globalThis.__switchboardArgs)`, context, options);
    // Only JSON crosses back, as ELMA365 stores results: functions and undefined fields drop out here.
    return value === undefined ? undefined : (JSON.parse(JSON.stringify(value) ?? 'null') as unknown);
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
}

/** The vm's own timeout message names no culprit; say what the script did. */
function timedOut(error: unknown, call: WorkerCall): unknown {
  if ((error as { code?: unknown } | undefined)?.code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') return error;
  const seconds = call.syncTimeoutMs / 1000;
  return new Error(
    `${call.fn === '#inspect' ? 'Loading the script' : call.fn} ran for ${seconds} s without pausing and was stopped: look for an endless loop`,
  );
}

const FUNCTIONS = [
  'VoipTestConnection',
  'VoipGetMembers',
  'VoipParseWebhookRequest',
  'VoipGenerateCall',
  'VoipGetCallLink',
  'VoipOnWebhookUpdated',
];

port.on('message', (message: ToWorker) => {
  if (message.type === 'reply') {
    const waiting = pending.get(message.request);
    pending.delete(message.request);
    if (!waiting) return;
    const reply = message as HostReply;
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(toError(reply.error));
    return;
  }
  run(message).then(
    (value) => send({ type: 'result', callId: message.callId, value }),
    (error: unknown) => send({ type: 'error', callId: message.callId, error: toWire(timedOut(error, message)) }),
  );
});
