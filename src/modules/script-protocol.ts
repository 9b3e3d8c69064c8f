/** The messages between the main thread (`script-host.ts`) and a script module's worker (`script-worker.ts`). */
import type { SettingsValues } from '../contract/index.js';

/** An error as it crosses threads: a ConnectorError keeps its kind. */
export interface WireError {
  name: string;
  message: string;
  kind?: string;
  /** Where in the script it was thrown, when the stack says. */
  where?: string;
}

/** One call of a script function; `#inspect` lists the Voip functions the script defines. */
export interface WorkerCall {
  type: 'call';
  callId: number;
  /** Identifies the compiled script inside the worker: the module id and a hash of its code. */
  moduleKey: string;
  code: string;
  fn: string;
  args: unknown[];
  settings: SettingsValues;
  syncTimeoutMs: number;
}

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  redirect?: 'manual' | 'error';
}

export interface FetchReply {
  status: number;
  statusText: string;
  url: string;
  redirected: boolean;
  headers: Array<[string, string]>;
  body: Uint8Array;
}

export type HostReply =
  | { type: 'reply'; request: number; ok: true; value: unknown }
  | {
      type: 'reply';
      request: number;
      ok: false;
      error: WireError;
    };

export type ToWorker = WorkerCall | HostReply;

export type ToHost =
  | { type: 'fetch'; callId: number; request: number; url: string; init: FetchInit }
  | { type: 'storage'; callId: number; request: number; op: 'get' | 'set' | 'remove'; key: string; value?: string }
  | { type: 'log'; callId: number; level: 'debug' | 'info' | 'warn' | 'error'; message: string }
  | { type: 'result'; callId: number; value: unknown }
  | { type: 'error'; callId: number; error: WireError };
