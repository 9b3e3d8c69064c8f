/**
 * Runs script modules' functions in worker threads, one worker per module, each call in a fresh vm
 * context (see script-worker.ts). Why a worker and not only `node:vm`: the vm `timeout` stops
 * synchronous code only, so a loop after an `await`, or a script eating memory, would stall or kill the
 * whole hub. A worker has its own heap limit (`resourceLimits`) and can be terminated; the runner's
 * per-call timeout aborts `ctx.signal`, and this host then terminates the module's worker. The next
 * call starts a new one. `node:vm` is not a security boundary (Node's docs say so): the context keeps
 * mistakes and ELMA365-only code away from the hub's globals, and installing scripts is admin-only.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ConnectorError, type ConnectorContext } from '../contract/index.js';
import type { FetchInit, FetchReply, ToHost, ToWorker, WireError, WorkerCall } from './script-protocol.js';

/** What a compiled script needs to run. */
export interface RunnableScript {
  id: string;
  name: string;
  /** The transpiled JavaScript. */
  code: string;
  /** A hash of `code`, so a changed script is compiled again. */
  hash: string;
}

export interface ScriptHostOptions {
  /** Heap of one module's worker, in MB. Default 128. */
  memoryMb?: number;
  /** Longest stretch of synchronous script code, in ms. Default 5000. */
  syncTimeoutMs?: number;
}

/** A response body above this is refused: a script has no business holding more in memory. */
const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;
const KINDS: ReadonlyArray<ConnectorError['kind']> = [
  'unreachable',
  'auth',
  'rate_limited',
  'rejected',
  'bad_response',
];

interface InFlight {
  ctx: ConnectorContext | undefined;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface ModuleWorker {
  worker: Worker;
  calls: Map<number, InFlight>;
  /** Set when the host stops the worker on purpose, so its exit is not reported as a crash. */
  stopping?: Error;
}

let workerCode: Promise<string> | undefined;

/** The worker's source, bundled once per process so it can import the contract's classes. */
function bundledWorker(): Promise<string> {
  workerCode ??= build({
    entryPoints: [fileURLToPath(new URL('./script-worker.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]?.text ?? '');
  return workerCode;
}

export class ScriptHost {
  readonly memoryMb: number;
  readonly syncTimeoutMs: number;
  readonly #workers = new Map<string, Promise<ModuleWorker>>();
  #nextCall = 1;

  constructor(options: ScriptHostOptions = {}) {
    this.memoryMb = options.memoryMb ?? 128;
    this.syncTimeoutMs = options.syncTimeoutMs ?? 5000;
  }

  /** The Voip functions the script defines (loading it once, with empty settings). */
  async inspect(script: RunnableScript): Promise<string[]> {
    return (await this.#run(script, '#inspect', [], undefined, {})) as string[];
  }

  /** Calls `fn` of the script with the connection's context; the value is the script's result as JSON. */
  call(script: RunnableScript, fn: string, args: unknown[], ctx: ConnectorContext): Promise<unknown> {
    return this.#run(script, fn, args, ctx, ctx.settings);
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all(workers.map(async (pending) => this.#stop(await pending, new Error('Switchboard is stopping'))));
  }

  /** Stops the module's worker, e.g. when the module is removed. */
  async forget(id: string): Promise<void> {
    const pending = this.#workers.get(id);
    this.#workers.delete(id);
    if (pending) await this.#stop(await pending, new Error(`The script module ${id} was removed`));
  }

  async #run(
    script: RunnableScript,
    fn: string,
    args: unknown[],
    ctx: ConnectorContext | undefined,
    settings: ConnectorContext['settings'],
  ): Promise<unknown> {
    const handle = await this.#worker(script.id);
    const callId = this.#nextCall++;
    const call: WorkerCall = {
      type: 'call',
      callId,
      moduleKey: `${script.id}:${script.hash}`,
      code: script.code,
      fn,
      // As JSON, as ELMA365 passes them: the webhook request's case-insensitive headers are a Proxy,
      // which cannot cross threads; the worker builds them again.
      args: JSON.parse(JSON.stringify(args)) as unknown[],
      settings,
      syncTimeoutMs: this.syncTimeoutMs,
    };
    return new Promise<unknown>((resolve, reject) => {
      const onAbort = () => {
        const reason = ctx?.signal.reason instanceof Error ? ctx.signal.reason : new Error('The call was stopped');
        reject(reason);
        // The script may be looping where no timeout reaches it; only stopping its thread ends that.
        void this.#stop(
          handle,
          new Error(
            `The script module '${script.name}' was restarted because another of its calls did not finish in time`,
          ),
          callId,
        );
      };
      ctx?.signal.addEventListener('abort', onAbort, { once: true });
      const done = () => ctx?.signal.removeEventListener('abort', onAbort);
      handle.calls.set(callId, {
        ctx,
        resolve: (value) => (done(), resolve(value)),
        reject: (error) => (done(), reject(error)),
      });
      handle.worker.postMessage(call);
    });
  }

  #worker(id: string): Promise<ModuleWorker> {
    let pending = this.#workers.get(id);
    if (!pending) {
      pending = this.#start(id);
      this.#workers.set(id, pending);
    }
    return pending;
  }

  async #start(id: string): Promise<ModuleWorker> {
    const worker = new Worker(await bundledWorker(), {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb, maxYoungGenerationSizeMb: 16 },
      stdout: true,
      stderr: true,
    });
    worker.unref();
    const handle: ModuleWorker = { worker, calls: new Map() };
    worker.on('message', (message: ToHost) => this.#receive(handle, message));
    worker.on('error', (error: Error & { code?: string }) => {
      const failure =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new Error(
              `The script module used more than ${this.memoryMb} MB of memory and was stopped: check it for a loop that keeps collecting data`,
              { cause: error },
            )
          : new Error(`The script module's worker stopped: ${error.message}`, { cause: error });
      handle.stopping ??= failure;
    });
    worker.on('exit', () => {
      const current = this.#workers.get(id);
      void current?.then((started) => {
        if (started === handle && this.#workers.get(id) === current) this.#workers.delete(id);
      });
      const reason = handle.stopping ?? new Error('The script module stopped unexpectedly');
      for (const call of handle.calls.values()) call.reject(reason);
      handle.calls.clear();
    });
    return handle;
  }

  /** Terminates the worker: the call `except` was already answered; every other call gets `reason`. */
  async #stop(handle: ModuleWorker, reason: Error, except?: number): Promise<void> {
    if (except !== undefined) handle.calls.delete(except);
    handle.stopping ??= reason;
    for (const [id, pending] of this.#workers) {
      if ((await pending) === handle) this.#workers.delete(id);
    }
    await handle.worker.terminate();
  }

  #receive(handle: ModuleWorker, message: ToHost): void {
    const call = handle.calls.get(message.callId);
    if (!call) return;
    switch (message.type) {
      case 'result':
        handle.calls.delete(message.callId);
        call.resolve(message.value);
        return;
      case 'error':
        handle.calls.delete(message.callId);
        call.reject(fromWire(message.error));
        return;
      case 'log':
        call.ctx?.log[message.level](message.message);
        return;
      case 'storage':
      case 'fetch': {
        const work =
          message.type === 'fetch' ? this.#fetch(call, message.url, message.init) : this.#storage(call, message);
        work.then(
          (value) => reply(handle, { type: 'reply', request: message.request, ok: true, value }),
          (error: unknown) =>
            reply(handle, { type: 'reply', request: message.request, ok: false, error: toWire(error) }),
        );
      }
    }
  }

  async #storage(call: InFlight, message: Extract<ToHost, { type: 'storage' }>): Promise<unknown> {
    const storage = call.ctx?.storage;
    if (!storage) throw new Error('Namespace.storage is not available while the script is loaded');
    if (message.op === 'get') return storage.getItem(message.key);
    if (message.op === 'set') return storage.setItem(message.key, message.value ?? '');
    return storage.removeItem(message.key);
  }

  async #fetch(call: InFlight, url: string, init: FetchInit): Promise<FetchReply> {
    if (!call.ctx) throw new Error('fetch is not available while the script is loaded');
    const response = await call.ctx.fetch(url, {
      method: init.method,
      headers: init.headers,
      ...(init.body === undefined || init.method === 'GET' || init.method === 'HEAD'
        ? {}
        : { body: init.body as BodyInit }),
      ...(init.redirect ? { redirect: init.redirect } : {}),
    });
    const body = new Uint8Array(await response.arrayBuffer());
    if (body.byteLength > MAX_RESPONSE_BYTES) {
      throw new ConnectorError('bad_response', `The provider at ${new URL(url).origin} sent more than 20 MB`);
    }
    return {
      status: response.status,
      statusText: response.statusText,
      url: response.url || url,
      redirected: response.redirected,
      headers: headerList(response.headers),
      body,
    };
  }
}

function headerList(headers: Headers): Array<[string, string]> {
  const list: Array<[string, string]> = [];
  headers.forEach((value, key) => list.push([key, value]));
  return list;
}

function reply(handle: ModuleWorker, message: ToWorker): void {
  handle.worker.postMessage(message);
}

function toWire(error: unknown): WireError {
  if (error instanceof ConnectorError) return { name: error.name, message: error.message, kind: error.kind };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** A script's error: a ConnectorError keeps its kind (an exported built-in connector throws those). */
function fromWire(wire: WireError): Error {
  if (wire.name === 'ConnectorError' && KINDS.includes(wire.kind as ConnectorError['kind'])) {
    return new ConnectorError(wire.kind as ConnectorError['kind'], wire.message);
  }
  const error = new Error(wire.where ? `${wire.message} (${wire.where})` : wire.message);
  error.name = wire.name;
  return error;
}
