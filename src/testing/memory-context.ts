/** A connector context for calling a connector's functions directly in tests, without the ModuleRunner. */
import type { ConnectorContext, SettingsValues } from '../contract/index.js';
import { bindFetch } from '../runtime/module-fetch.js';
import { MemoryStorage } from './memory-storage.js';

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
}

export interface MemoryContext {
  ctx: ConnectorContext;
  storage: MemoryStorage;
  /** What the connector logged, oldest first. */
  logs: LoggedLine[];
}

/** Storage in memory, the log kept in `logs`, the host's fetch bound to `signal`, the system clock. */
export function memoryContext(
  settings: SettingsValues,
  signal: AbortSignal = new AbortController().signal,
): MemoryContext {
  const storage = new MemoryStorage();
  const logs: LoggedLine[] = [];
  const log = (level: LoggedLine['level']) => (message: string, data?: Record<string, unknown>) =>
    void logs.push({ level, message, data });
  const ctx: ConnectorContext = {
    settings,
    storage,
    fetch: bindFetch(fetch, signal),
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    signal,
    now: () => new Date(),
    webhookUrl: 'http://127.0.0.1/webhooks/test',
  };
  return { ctx, storage, logs };
}
