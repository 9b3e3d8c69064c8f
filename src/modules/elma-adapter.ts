/**
 * The inside of an exported ELMA365 script: it turns ELMA365's globals (`Namespace.params.data`,
 * `Namespace.storage`, `fetch`, `console`) into the `ConnectorContext` a built-in connector expects, and
 * the connector's results into the platform's own `HttpResponse` and enum values. `script-export.ts`
 * bundles it with the connector; the script's top-level Voip functions call `voip()` from here.
 */
import {
  ConnectorError,
  HttpResponse,
  VoipCallDirection,
  VoipCallDisposition,
  VoipWebhookEvent,
  type ConnectorContext,
  type ConnectorDefinition,
  type ModuleStorage,
  type VoipModule,
} from '../contract/index.js';

interface PlatformResponse {
  status: number;
  statusText?: string;
  headers?: unknown;
  url?: string;
  text(): Promise<string>;
  json?(): Promise<unknown>;
  arrayBuffer?(): Promise<ArrayBuffer>;
}

interface Platform {
  Namespace: { params: { data: Record<string, unknown> }; storage: ModuleStorage };
  fetch(url: string, init: Record<string, unknown>): Promise<PlatformResponse>;
  console?: { log(...args: unknown[]): void; warn?(...args: unknown[]): void; error?(...args: unknown[]): void };
  HttpResponse?: new () => { status(code: number): unknown };
  VoipWebhookEvent?: Record<string, string>;
  VoipCallDirection?: Record<string, string>;
  VoipCallDisposition?: Record<string, string>;
}

const platform = globalThis as unknown as Platform;
const WEBHOOK_URL_KEY = 'switchboard:webhook-url';

/** The platform's value for one of our enum values (ELMA365 does not publish its own). */
function platformValue(ours: Record<string, string>, theirs: Record<string, string> | undefined, value: unknown) {
  const key = Object.keys(ours).find((name) => ours[name] === value);
  return key !== undefined && theirs?.[key] !== undefined ? theirs[key] : value;
}

function toPlatformCall(value: Record<string, unknown> | undefined) {
  if (!value) return value;
  return {
    ...value,
    direction: platformValue(VoipCallDirection, platform.VoipCallDirection, value.direction),
    disposition: platformValue(VoipCallDisposition, platform.VoipCallDisposition, value.disposition),
    ...(value.event === undefined
      ? {}
      : { event: platformValue(VoipWebhookEvent, platform.VoipWebhookEvent, value.event) }),
  };
}

function toPlatformResponse(response: HttpResponse): unknown {
  const Platform = platform.HttpResponse;
  if (typeof Platform !== 'function' || response instanceof Platform) return response;
  const own = new Platform() as unknown as Record<string, (...args: unknown[]) => unknown>;
  own.status?.(response.statusCode);
  own.content?.(response.body);
  for (const [name, value] of Object.entries(response.headers)) own.header?.(name, value);
  return own;
}

function header(headers: unknown, name: string): string | null {
  if (!headers) return null;
  const withGet = headers as { get?: (name: string) => string | null };
  if (typeof withGet.get === 'function') return withGet.get(name) ?? null;
  const entry = Object.entries(headers as Record<string, string>).find(
    ([key]) => key.toLowerCase() === name.toLowerCase(),
  );
  return entry ? String(entry[1]) : null;
}

/** What the connector sees as a WHATWG Response, over the platform's response. */
function asResponse(response: PlatformResponse): Response {
  const headers = {
    get: (name: string) => header(response.headers, name),
    has: (name: string) => header(response.headers, name) !== null,
  };
  return {
    status: response.status,
    statusText: response.statusText ?? '',
    ok: response.status >= 200 && response.status < 300,
    url: response.url ?? '',
    redirected: false,
    headers,
    body: null,
    text: () => response.text(),
    json: () => (response.json ? response.json() : response.text().then((text) => JSON.parse(text) as unknown)),
    arrayBuffer: () =>
      response.arrayBuffer
        ? response.arrayBuffer()
        : response.text().then((text) => new TextEncoder().encode(text).buffer as ArrayBuffer),
  } as unknown as Response;
}

function plainHeaders(init: HeadersInit | undefined): Record<string, string> {
  if (!init) return {};
  if (Array.isArray(init)) return Object.fromEntries(init);
  if (typeof (init as Headers).forEach === 'function') {
    const out: Record<string, string> = {};
    (init as Headers).forEach((value, key) => (out[key] = value));
    return out;
  }
  return { ...(init as Record<string, string>) };
}

const scriptFetch: typeof globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : (input as Request).url;
  try {
    const response = await platform.fetch(url, {
      method: init?.method ?? 'GET',
      headers: plainHeaders(init?.headers),
      ...(init?.body === undefined || init.body === null ? {} : { body: String(init.body) }),
      ...(init?.redirect ? { redirect: init.redirect } : {}),
    });
    return asResponse(response);
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    const { name, kind, message } = error as { name?: string; kind?: ConnectorError['kind']; message?: string };
    // The host reports a provider that did not answer as an error named ConnectorError; keep it one here.
    throw new ConnectorError(
      name === 'ConnectorError' && kind ? kind : 'unreachable',
      message ?? `The provider at ${url} did not answer`,
    );
  }
};

function log(level: 'debug' | 'info' | 'warn' | 'error') {
  return (message: string, data?: Record<string, unknown>) => {
    const line = data ? `${message} ${JSON.stringify(data)}` : message;
    const out = platform.console;
    (level === 'warn' ? out?.warn : level === 'error' ? out?.error : out?.log)?.call(out, line);
  };
}

const neverAborted = {
  aborted: false,
  reason: undefined,
  onabort: null,
  addEventListener() {},
  removeEventListener() {},
  dispatchEvent: () => false,
  throwIfAborted() {},
} as unknown as AbortSignal;

async function context(): Promise<ConnectorContext> {
  const storage = platform.Namespace.storage;
  const settings = { ...(platform.Namespace.params.data ?? {}) } as ConnectorContext['settings'];
  return {
    settings,
    storage: {
      // ELMA365 may answer a missing key with an empty value; connectors expect undefined.
      getItem: async (key) => (await storage.getItem(key)) || undefined,
      setItem: (key, value) => storage.setItem(key, value),
      removeItem: (key) => storage.removeItem(key),
    },
    fetch: scriptFetch,
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    signal: neverAborted,
    now: () => new Date(),
    webhookUrl: (await storage.getItem(WEBHOOK_URL_KEY)) || '',
  };
}

/**
 * Calls one function of the connector with a context made from the platform's globals.
 * @example async function VoipGetMembers() { return switchboard.voip('VoipGetMembers', []); }
 */
export async function voip(definition: ConnectorDefinition, fn: keyof VoipModule, args: unknown[]): Promise<unknown> {
  const ctx = await context();
  if (fn === 'VoipOnWebhookUpdated') {
    await ctx.storage.setItem(WEBHOOK_URL_KEY, String(args[0]));
    ctx.webhookUrl = String(args[0]);
  }
  const module = definition.create(ctx);
  const method = module[fn] as ((...a: unknown[]) => Promise<unknown>) | undefined;
  if (typeof method !== 'function') return undefined;
  const result = await method.apply(module, args);
  if (fn !== 'VoipParseWebhookRequest' || typeof result !== 'object' || result === null) return result;
  const parsed = result as Record<string, unknown>;
  return {
    ...parsed,
    ...(parsed.event ? { event: toPlatformCall(parsed.event as Record<string, unknown>) } : {}),
    ...(parsed.callRecord ? { callRecord: toPlatformCall(parsed.callRecord as Record<string, unknown>) } : {}),
    ...(parsed.response instanceof HttpResponse ? { response: toPlatformResponse(parsed.response) } : {}),
  };
}
