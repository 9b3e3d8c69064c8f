/** What a built-in connector is and what it gets from the host. */
import type { FetchRequest } from './http.js';
import type { VoipMember, VoipTestConnectionResult, VoipWebhookParseResult } from './voip.js';

/**
 * One field of a connector's settings: enough to draw a form and build CLI flags.
 * @example { key: 'apiSalt', type: 'string', label: 'API salt', required: true, secret: true }
 */
export interface SettingsField {
  key: string;
  type: 'string' | 'number' | 'boolean' | 'url';
  label: string;
  required?: boolean;
  /** Stored encrypted, never shown again once saved. */
  secret?: boolean;
  default?: string | number | boolean;
  help?: string;
  /** Fixed choices; the form shows a select. */
  options?: Array<{ value: string; label: string }>;
}

export type SettingsValues = Record<string, string | number | boolean | undefined>;

/**
 * Per-connection key-value storage with ELMA365's `Namespace.storage` shape.
 * Values are strings; callers JSON-encode. A missing key reads as `undefined`.
 * @example await ctx.storage.setItem('webhookUrl', url)
 */
export interface ModuleStorage {
  getItem(key: string): Promise<string | undefined>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

/** Log lines from a connector; the host adds the connection id. */
export interface ModuleLog {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/**
 * What the hub knows about a caller: the contact's name and, when the contact has an owner bound to an
 * extension on this connection, that extension.
 * @example { name: 'Acme, Olga Petrova', responsibleExtension: '703' }
 */
export interface ContactLookupResult {
  name: string;
  responsibleExtension?: string;
}

/**
 * The narrow facade a connector gets. No database, no server.
 * `fetch` is bound to the current call's `signal`, so a timed-out call stops its HTTP requests.
 * @example const res = await ctx.fetch(`${ctx.settings.apiUrl}account/balance`, { method: 'POST', body });
 */
export interface ConnectorContext {
  settings: SettingsValues;
  storage: ModuleStorage;
  fetch: typeof globalThis.fetch;
  log: ModuleLog;
  /** Aborted when the host gives up on the current call (timeout or shutdown). */
  signal: AbortSignal;
  /** The host's clock; never read `Date.now()` in a parser. */
  now: () => Date;
  /** The connection's current public webhook URL. */
  webhookUrl: string;
  /**
   * Switchboard only (ELMA365 has no such capability), optional: the hub's contact with this phone number
   * (any spelling; the connection's default country fills in a local one), for PBXs that ask at call start
   * who is calling and whom to route the caller to (ITooLabs' `contact` request). `undefined` when no
   * contact has the number. The host provides it; a connector must work without it.
   * @example
   * const found = await ctx.lookupContact?.(form.get('phone') ?? '');
   * return new HttpResponse().json(found ? { contact_name: found.name } : {});
   */
  lookupContact?(phone: string): Promise<ContactLookupResult | undefined>;
}

/**
 * The six ELMA365 functions. The first five are required; `VoipOnWebhookUpdated` is optional.
 * @example
 * const module: VoipModule = {
 *   async VoipTestConnection() { return { success: true }; },
 *   async VoipGetMembers() { return [{ id: '101', label: 'Anna' }]; },
 *   async VoipParseWebhookRequest(request) { return {}; },
 *   async VoipGenerateCall(src, dst) {},
 *   async VoipGetCallLink(call) { return call.link; },
 * };
 */
export interface VoipModule {
  VoipTestConnection(): Promise<VoipTestConnectionResult>;
  VoipGetMembers(): Promise<VoipMember[]>;
  VoipParseWebhookRequest(request: FetchRequest): Promise<VoipWebhookParseResult>;
  VoipGenerateCall(srcPhone: string, dstPhone: string): Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the stored opaque `call` data
  VoipGetCallLink(callData: any): Promise<string>;
  VoipOnWebhookUpdated?(webhookUrl: string): Promise<void>;
}

/** The names of the contract's functions, for logs and errors. */
export type VoipFunctionName = keyof VoipModule;

/** What the host runs in a connector: the contract's functions and Switchboard's `fetchRecording`. */
export type ConnectorFunctionName = VoipFunctionName | 'fetchRecording';

/**
 * A recording's audio as the PBX served it, for the hub to stream to the player.
 * @example { contentType: 'audio/wav', contentLength: 16044, body: response.body }
 */
export interface RecordingAudio {
  /** The media type the PBX gave, e.g. `audio/wav`. */
  contentType: string;
  /** The size in bytes when the PBX said it; with it the hub answers players' Range requests. */
  contentLength?: number;
  body: ReadableStream<Uint8Array>;
}

/**
 * A built-in connector: its identity, its settings and a factory for the module.
 * `create` runs for every call into the module, with a context for that call.
 * @example
 * export const fakeConnector: ConnectorDefinition = {
 *   id: 'fake', name: 'Fake PBX', docsUrl: 'docs/connectors/fake.md', settings: [],
 *   create: (ctx) => ({ ...functions using ctx }),
 * };
 */
export interface ConnectorDefinition {
  /** Stable id, kebab-case: `mango-office`. */
  id: string;
  name: string;
  /** Where the admin reads how to connect this provider. */
  docsUrl: string;
  settings: SettingsField[];
  /** Whether `create` returns `VoipOnWebhookUpdated`; the conformance suite checks it agrees. */
  hasWebhookUpdated: boolean;
  /**
   * The hosts `VoipGetCallLink` may point to; `.example.com` also allows its subdomains. The hub refuses any
   * other link, so stored call data cannot send a browser anywhere else. When absent: the hosts of the
   * connection's `url` settings (set or default). The hub's own URL is always allowed.
   * @example recordingHosts: (settings) => [new URL(String(settings.apiUrl)).hostname, '.mango-office.ru']
   */
  recordingHosts?(settings: SettingsValues): string[];
  create(ctx: ConnectorContext): VoipModule;
  /**
   * Switchboard only, optional: for a PBX whose recordings need the connection's credentials (ARI's
   * `GET /recordings/stored/{name}/file` with Basic auth). It fetches the audio of a call's recording (the
   * call data the record carried) with `ctx.fetch`; the hub streams it to the player at
   * `/api/v1/calls/:id/recording`, so no link with credentials reaches a browser. `undefined`: this call's
   * recording is a plain link, and the hub asks `VoipGetCallLink` as for every ELMA365 module.
   * @example
   * async fetchRecording(ctx, call) {
   *   const response = await ctx.fetch(`${base}/recordings/stored/${call.name}/file`, { headers: { authorization } });
   *   if (!response.ok || !response.body) throw new ConnectorError('rejected', `The PBX answered ${response.status}`);
   *   return { contentType: response.headers.get('content-type') ?? 'audio/wav', body: response.body };
   * }
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the stored opaque `call` data, as in VoipGetCallLink
  fetchRecording?(ctx: ConnectorContext, callData: any): Promise<RecordingAudio | undefined>;
  /**
   * Switchboard only: for a PBX that does not call webhooks but streams events over a connection the
   * hub keeps open (Asterisk AMI over TCP, ARI over a WebSocket). The host starts it for every enabled
   * connection and supervises it; a connection with an event source receives no HTTP webhooks.
   */
  eventSource?: EventSourceDefinition;
}

/**
 * A connection-oriented event source. The host calls `connect` on one hub instance at a time, pings the
 * session every `pingIntervalMs`, and when it ends (or a ping fails) connects again with backoff. Each
 * event the session hands to `ctx.deliver` goes the way of a webhook: stored raw in the inbox, parsed by
 * the module's `VoipParseWebhookRequest` (as a POST to `path`), applied by the call tracker, in order.
 * @example
 * eventSource: {
 *   pingIntervalMs: 20_000,
 *   async connect(ctx, resume) {
 *     const socket = await openPbxSocket(ctx.settings, ctx.signal);
 *     socket.onEvent((text) => ctx.deliver({ path: '/ami/event', contentType: 'text/plain', body: text }));
 *     if (resume) await reconcileCallsMissedSince(resume.since, ctx); // what the outage hid
 *     return { closed: socket.closed, ping: () => socket.ping(), close: () => socket.close() };
 *   },
 * }
 */
export interface EventSourceDefinition {
  /** How often the host checks the connection is alive with `ping`; default 30 s. */
  pingIntervalMs?: number;
  /**
   * Opens the connection, logs in and subscribes; resolves once events flow, rejects with a
   * `ConnectorError` the admin can act on. `resume` is given when an earlier session of this
   * connection ended (or another hub instance held it): events since `resume.since` were not received,
   * so the connector should reconcile what the protocol allows (list live channels, end calls that
   * vanished) by delivering events for it.
   */
  connect(ctx: EventSourceContext, resume?: EventSourceResume): Promise<EventSession>;
}

/** What a source's session gets: the connection's settings and storage, and where events go. */
export interface EventSourceContext {
  settings: SettingsValues;
  storage: ModuleStorage;
  log: ModuleLog;
  /** Aborted when the host stops the source (shutdown, settings changed, another instance took it). */
  signal: AbortSignal;
  now: () => Date;
  /**
   * Hands one received event to the host, which stores and parses it before the promise resolves.
   * Call it in the order events arrived; the host handles one at a time per connection.
   */
  deliver(event: SourceEvent): Promise<void>;
}

/**
 * One event as received, for the inbox and `VoipParseWebhookRequest` (a POST with this path and body).
 * @example { path: '/ami/event', contentType: 'text/plain', body: 'Event: Hangup\r\nUniqueid: 1700000000.2\r\n' }
 */
export interface SourceEvent {
  /** Below the connection's webhook URL, e.g. `/ami/event`. */
  path: string;
  contentType: string;
  /** The event exactly as received. */
  body: string;
}

/** Where the previous session left off. */
export interface EventSourceResume {
  /** When the previous session ended (ISO-8601): events after it were missed. */
  since: string;
}

/** An open connection to the PBX. */
export interface EventSession {
  /** Resolves when the connection ends, with the reason in words ("Asterisk closed the connection"). */
  closed: Promise<string>;
  /** Proves the connection alive (AMI `Ping`); rejects when it is not. */
  ping(): Promise<void>;
  /** Ends the connection; `closed` resolves after. */
  close(): Promise<void>;
}

/**
 * Throw this from a connector for a failure the admin can act on; the message is shown as is.
 * @example throw new ConnectorError('rejected', 'Mango rejected the signature: check the API salt');
 */
export class ConnectorError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'auth' | 'rate_limited' | 'rejected' | 'bad_response',
    message: string,
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}
