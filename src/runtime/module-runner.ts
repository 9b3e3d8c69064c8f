/**
 * The host's wrapper around one connection's module, as Kysely's RuntimeDriver wraps a naive driver.
 * Every call gets a fresh context and its own AbortController; the runner races the call against the
 * connection's timeout (aborting the module's HTTP requests when it gives up), logs duration and outcome
 * with the connection id, checks the result's shape and turns every failure into a `HubError`.
 * Connector code therefore stays straight-line: no timeouts, no try/catch for the host's sake.
 */
import {
  ConnectorError,
  type ConnectorContext,
  type ContactLookupResult,
  type ConnectorDefinition,
  type FetchRequest,
  type ModuleLog,
  type ModuleStorage,
  type SettingsValues,
  type ConnectorFunctionName,
  type RecordingAudio,
  type VoipMember,
  type VoipTestConnectionResult,
  type VoipWebhookParseResult,
} from '../contract/index.js';
import { HubError } from './errors.js';
import { bindFetch, describeFetchFailure } from './module-fetch.js';
import type { LatencyObserver } from './module-latency.js';
import {
  ResultShapeError,
  checkCallLink,
  checkMembers,
  checkRecordingAudio,
  checkParseResult,
  checkTestConnectionResult,
} from './module-results.js';

export const DEFAULT_MODULE_TIMEOUT_MS = 10_000;

/** The part of a pino logger the runner uses; a pino `Logger` fits as it is. */
export interface HostLogger {
  child(bindings: Record<string, unknown>): HostLogger;
  debug(data: object, message?: string): void;
  info(data: object, message?: string): void;
  warn(data: object, message?: string): void;
  error(data: object, message?: string): void;
}

export interface ModuleRunnerOptions {
  connectionId: string;
  definition: ConnectorDefinition;
  /** The connection's settings, secrets already decrypted. */
  settings: SettingsValues;
  storage: ModuleStorage;
  logger: HostLogger;
  /** The connection's current public webhook URL. */
  webhookUrl: string;
  /** Per call, in milliseconds; the connection's `timeout_ms`. Default {@link DEFAULT_MODULE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** The clock modules see as `ctx.now`. Default: the system clock. */
  now?: () => Date;
  /** The fetch modules' requests go through. Default: the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Told about every finished call, e.g. `ModuleLatency.observe`. */
  observe?: LatencyObserver;
  /** Aborting it (at shutdown) stops every call in flight. */
  signal?: AbortSignal;
  /** Offered to modules as `ctx.lookupContact`; see `contactForCaller`. */
  lookupContact?: (phone: string) => Promise<ContactLookupResult | undefined>;
}

/** What `onWebhookUpdated` did: `ran` is false when the connector has no `VoipOnWebhookUpdated`. */
export interface WebhookUpdatedOutcome {
  ran: boolean;
}

/** How each function is named in messages to users. */
const ACTIONS: Record<ConnectorFunctionName, string> = {
  VoipTestConnection: 'Test connection',
  VoipGetMembers: 'Loading the PBX users',
  VoipParseWebhookRequest: 'Handling the webhook',
  VoipGenerateCall: 'Starting the call',
  VoipGetCallLink: 'Getting the recording link',
  VoipOnWebhookUpdated: 'Registering the webhook URL with the provider',
  fetchRecording: 'Fetching the recording',
};

const NOT_IMPLEMENTED = Symbol('not implemented');

function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`;
}

/**
 * Replaces the connection's secrets (secret settings, the webhook token) in what goes to the log: a
 * connector may log a URL or an error that carries them, and logs travel further than the database.
 */
function redactor(secrets: readonly string[]): <T>(value: T) => T {
  const words = secrets.filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  const text = (value: string) => words.reduce((out, secret) => out.replaceAll(secret, '[redacted]'), value);
  return <T>(value: T): T => {
    if (words.length === 0 || value === undefined) return value;
    if (typeof value === 'string') return text(value) as T;
    if (value instanceof Error)
      return { type: value.name, message: text(value.message), stack: text(value.stack ?? '') } as T;
    try {
      return JSON.parse(text(JSON.stringify(value))) as T;
    } catch {
      return value;
    }
  };
}

function moduleLog(logger: HostLogger, redact: ReturnType<typeof redactor>): ModuleLog {
  return {
    debug: (message, data) => logger.debug(redact(data ?? {}), redact(message)),
    info: (message, data) => logger.info(redact(data ?? {}), redact(message)),
    warn: (message, data) => logger.warn(redact(data ?? {}), redact(message)),
    error: (message, data) => logger.error(redact(data ?? {}), redact(message)),
  };
}

function webhookToken(webhookUrl: string): string {
  return URL.canParse(webhookUrl) ? (new URL(webhookUrl).pathname.split('/').at(-1) ?? '') : '';
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
  return (text ?? String(error)).slice(0, 300);
}

/** A raw result for the log: enough to see what was wrong, bounded so a huge body cannot flood it. */
function logPreview(value: unknown): string {
  try {
    return String(JSON.stringify(value)).slice(0, 2000);
  } catch {
    return String(value).slice(0, 2000);
  }
}

/**
 * @example
 * const runner = new ModuleRunner({ connectionId, definition: findConnector('fake')!, settings, storage,
 *   logger, webhookUrl, timeoutMs: connection.timeout_ms, observe: latency.observe });
 * const members = await runner.getMembers(); // or a HubError with a message for the admin
 */
export class ModuleRunner {
  readonly connectionId: string;
  readonly definition: ConnectorDefinition;
  readonly timeoutMs: number;
  readonly #options: ModuleRunnerOptions;
  readonly #logger: HostLogger;

  constructor(options: ModuleRunnerOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_MODULE_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new HubError(
        'validation',
        `The module timeout must be a whole number of milliseconds above 0, not ${timeoutMs}`,
        {
          field: 'timeoutMs',
        },
      );
    }
    this.connectionId = options.connectionId;
    this.definition = options.definition;
    this.timeoutMs = timeoutMs;
    this.#options = options;
    this.#logger = options.logger.child({ connectionId: options.connectionId, connector: options.definition.id });
  }

  testConnection(): Promise<VoipTestConnectionResult> {
    return this.#call('VoipTestConnection', [], checkTestConnectionResult);
  }

  getMembers(): Promise<VoipMember[]> {
    return this.#call('VoipGetMembers', [], checkMembers);
  }

  parseWebhookRequest(request: FetchRequest): Promise<VoipWebhookParseResult> {
    return this.#call('VoipParseWebhookRequest', [request], checkParseResult);
  }

  async generateCall(srcPhone: string, dstPhone: string): Promise<void> {
    await this.#call('VoipGenerateCall', [srcPhone, dstPhone], () => undefined);
  }

  getCallLink(callData: unknown): Promise<string> {
    return this.#call('VoipGetCallLink', [callData], checkCallLink);
  }

  /**
   * The recording's audio through the connector (`fetchRecording`), or undefined when the connector has none
   * or this recording is a link. The timeout covers the PBX's answer, not the streaming of the body after it.
   */
  async fetchRecording(callData: unknown): Promise<RecordingAudio | undefined> {
    if (!this.definition.fetchRecording) return undefined;
    return this.#call('fetchRecording', [callData], checkRecordingAudio);
  }

  /** Runs `VoipOnWebhookUpdated` with the new URL (also `ctx.webhookUrl` for this call); a no-op when absent. */
  onWebhookUpdated(webhookUrl: string): Promise<WebhookUpdatedOutcome> {
    return this.#call(
      'VoipOnWebhookUpdated',
      [webhookUrl],
      (value) => ({ ran: value !== NOT_IMPLEMENTED }),
      webhookUrl,
    );
  }

  async #call<T>(
    fn: ConnectorFunctionName,
    args: unknown[],
    check: (value: unknown) => T,
    webhookUrl = this.#options.webhookUrl,
  ): Promise<T> {
    const action = ACTIONS[fn];
    const log = this.#logger.child({ fn });
    const { definition, settings } = this.#options;
    const redact = redactor([
      ...definition.settings.flatMap((field) => {
        const value = settings[field.key];
        return field.secret && typeof value === 'string' ? [value] : [];
      }),
      webhookToken(this.#options.webhookUrl),
      webhookToken(webhookUrl),
    ]);
    // The host's signal is followed by hand, not with AbortSignal.any: Node 20 keeps a reference in the
    // host's signal for every combined one ever made, a leak of one per call over the process's life.
    const controller = new AbortController();
    const { signal } = controller;
    const host = this.#options.signal;
    const onHostAbort = () => controller.abort(host?.reason);
    if (host?.aborted) onHostAbort();
    else host?.addEventListener('abort', onHostAbort, { once: true });
    const started = performance.now();
    const timer = setTimeout(() => {
      const message =
        `${action} timed out after ${formatDuration(this.timeoutMs)}. ` +
        "Check that the provider is reachable, or raise the connection's timeout.";
      controller.abort(new HubError('module_timeout', message));
    }, this.timeoutMs);
    // Rejects when the call is abandoned: with the timeout error, or because the host is shutting down.
    const abandoned = new Promise<never>((_resolve, reject) => {
      const onAbort = () =>
        reject(
          signal.reason instanceof HubError
            ? signal.reason
            : new HubError('internal', `${action} was stopped because Switchboard is shutting down; try again shortly`),
        );
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    const context: ConnectorContext = {
      settings: { ...this.#options.settings },
      storage: this.#options.storage,
      fetch: bindFetch(this.#options.fetch ?? globalThis.fetch, signal),
      log: moduleLog(log, redact),
      signal,
      now: this.#options.now ?? (() => new Date()),
      webhookUrl,
      ...(this.#options.lookupContact ? { lookupContact: this.#options.lookupContact } : {}),
    };
    let raw: unknown;
    try {
      raw = await Promise.race([this.#invoke(fn, args, context), abandoned]);
      const result = check(raw);
      const ms = this.#elapsed(started);
      if (raw === NOT_IMPLEMENTED) {
        log.debug({ ms }, `${fn} is not implemented by the connector; nothing to do`);
      } else {
        log.info({ ms, ok: true }, `${fn} ok`);
        this.#options.observe?.(this.connectionId, fn, ms, true);
      }
      return result;
    } catch (error) {
      const failure = this.#toHubError(action, error);
      const ms = this.#elapsed(started);
      const extra = failure.code === 'module_invalid_result' ? { result: redact(logPreview(raw)) } : {};
      log.warn(
        { ms, ok: false, code: failure.code, err: redact(error), ...extra },
        redact(`${fn} failed: ${failure.message}`),
      );
      this.#options.observe?.(this.connectionId, fn, ms, false);
      throw failure;
    } finally {
      clearTimeout(timer);
      host?.removeEventListener('abort', onHostAbort);
    }
  }

  async #invoke(fn: ConnectorFunctionName, args: unknown[], context: ConnectorContext): Promise<unknown> {
    if (fn === 'fetchRecording') return this.definition.fetchRecording?.(context, args[0]);
    const module = this.definition.create(context);
    const method: unknown = module[fn];
    if (typeof method === 'function') return (await method.apply(module, args)) as unknown;
    if (fn === 'VoipOnWebhookUpdated') return NOT_IMPLEMENTED;
    throw new HubError(
      'module_failed',
      `The connector '${this.definition.name}' has no ${fn} function, so it cannot be used until it is fixed`,
    );
  }

  #toHubError(action: string, error: unknown): HubError {
    if (error instanceof HubError) return error;
    if (error instanceof ResultShapeError) {
      return new HubError(
        'module_invalid_result',
        `${error.message}. The connector '${this.definition.name}' needs fixing; the server log has the full result.`,
      );
    }
    if (error instanceof ConnectorError) {
      return new HubError('provider_error', error.message, { cause: error, details: { kind: error.kind } });
    }
    const network = describeFetchFailure(error);
    if (network !== undefined) {
      return new HubError('provider_error', `${action} failed: the provider did not answer: ${network}`, {
        cause: error,
        details: { kind: 'unreachable' },
      });
    }
    return new HubError(
      'module_failed',
      `${action} failed: the connector '${this.definition.name}' stopped with an error: ${errorText(error)}. ` +
        'The server log has the details.',
      { cause: error },
    );
  }

  #elapsed(started: number): number {
    return Math.round((performance.now() - started) * 10) / 10;
  }
}
