/**
 * A Zadarma (or Novofon v1) API emulator: a real HTTP server speaking the documented protocol, for tests,
 * the demo and integrators. It checks the `Authorization` signature independently of the connector,
 * limits requests to 100 a minute, checks a notification URL with `zd_echo` before taking it, plays
 * callbacks, serves recording links that expire after their lifetime, and pushes scripted calls signed
 * in the `Signature` header.
 *
 * API: GET /v1/info/balance/, /v1/info/timezone/, /v1/pbx/internal/, /v1/pbx/internal/<ext>/info/,
 * /v1/request/callback/, /v1/pbx/record/request/, /v1/pbx/callinfo/; POST /v1/pbx/callinfo/url/,
 * /v1/pbx/callinfo/notifications/. Files: GET /v1/pbx/record/download/<token>/<call_id>.wav.
 * Control: POST /_emulator/scenario, GET /_emulator/requests, GET|PUT /_emulator/config.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { arrangeDelivery } from '../delivery-order.js';
import type { DeliveryOptions } from '../delivery-order.js';
import {
  EmulatorHttpError,
  backgroundWork,
  closeServer,
  formFields,
  parseJson,
  readBody,
  readEmulatorConfig,
  readDeliveryOptions,
  sendJson,
  serveEmulator,
} from '../emulator-http.js';
import { toneWav } from '../tone-wav.js';
import { ZADARMA_SCENARIOS, ZADARMA_SCENARIO_EXTENSIONS, buildZadarmaScenario } from './zadarma-scenarios.js';
import type { ZadarmaScenarioName, ZadarmaScriptedNotification } from './zadarma-scenarios.js';

export interface ZadarmaStaffMember {
  extension: string;
  name: string;
}

export interface ZadarmaEmulatorOptions {
  port?: number;
  host?: string;
  apiKey: string;
  apiSecret: string;
  /** Where notifications go; normally set by the connector through `/v1/pbx/callinfo/url/`. */
  hubUrl?: string;
  staff?: ZadarmaStaffMember[];
  /** Our number: `called_did` of incoming calls. Default 74951234567. */
  did?: string;
  /** The account's time zone, minutes east of UTC; `call_start` is written in it. Default 180 (UTC+3). */
  utcOffsetMinutes?: number;
  /** Enforce 100 requests a minute (openapi.json `info.description`). Default true. */
  rateLimits?: boolean;
  /** Sign notifications as base64 of the raw digest (the official TS client's variant). Default false. */
  rawDigestSignatures?: boolean;
  /** Check a notification URL with `zd_echo` before taking it. Default true. */
  echoCheck?: boolean;
  /** Recordings the PBX holds already (`call_id_with_rec`), from calls before it started. */
  recordings?: string[];
}

export interface ZadarmaScenarioRequest {
  name: ZadarmaScenarioName;
  client?: string;
  extensions?: string[];
  options?: DeliveryOptions & { delayMs?: number };
}

export interface ZadarmaSentNotification {
  fields: ZadarmaScriptedNotification;
  status: number | null;
  /** What the hub answered (NOTIFY_START's answer may steer the call). */
  body: string;
  error?: string;
}

export interface ZadarmaScenarioResult {
  pbxCallId: string;
  /** The extension NOTIFY_START's answer redirected the call to, when it named a staff member. */
  routedTo?: string;
  notifications: ZadarmaSentNotification[];
  recordings: string[];
}

export interface ZadarmaReceivedRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  /** The HTTP status the emulator answered with. */
  status: number;
  receivedAt: string;
}

export interface ZadarmaEmulator {
  url: string;
  /** What to put in the connection's "API address" setting. */
  apiUrl: string;
  readonly requests: readonly ZadarmaReceivedRequest[];
  readonly hubUrl: string | undefined;
  readonly staff: readonly ZadarmaStaffMember[];
  /** Which notifications the hub asked for with `/v1/pbx/callinfo/notifications/`. */
  readonly notifications: Readonly<Record<string, string>>;
  configure(config: { hubUrl?: string; staff?: ZadarmaStaffMember[] }): void;
  playScenario(request: ZadarmaScenarioRequest): Promise<ZadarmaScenarioResult>;
  /** Resolves when background deliveries (callbacks) are done. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_STAFF: ZadarmaStaffMember[] = [
  { extension: '100', name: 'Anna Smirnova' },
  { extension: '101', name: 'Boris Ivanov' },
  { extension: '102', name: 'Olga Petrova' },
];
const DEFAULT_CLIENT = '79161234567';
const DEFAULT_DID = '74951234567';
const LIMIT_PER_MINUTE = 100;

export async function startZadarmaEmulator(options: ZadarmaEmulatorOptions): Promise<ZadarmaEmulator> {
  let hubUrl = options.hubUrl;
  let staff = [...(options.staff ?? DEFAULT_STAFF)];
  const did = options.did ?? DEFAULT_DID;
  const offset = options.utcOffsetMinutes ?? 180;
  const requests: ZadarmaReceivedRequest[] = [];
  const recordings = new Set<string>(options.recordings);
  const recordingsOfCall = new Map<string, string[]>();
  const links = new Map<string, { recordId: string; until: number }>();
  const hits: number[] = [];
  const background = backgroundWork();
  const enabled: Record<string, string> = {};
  const wav = toneWav();
  let origin = '';

  /** base64(hex HMAC-SHA1) as PHP's `base64_encode(hash_hmac('sha1', …))`, or of the raw digest. */
  const hmac = (text: string, raw = false) => {
    const digest = createHmac('sha1', options.apiSecret).update(text);
    return raw ? digest.digest('base64') : Buffer.from(digest.digest('hex')).toString('base64');
  };
  const signatureOf = (n: ZadarmaScriptedNotification) => {
    const fields =
      n.event === 'NOTIFY_RECORD'
        ? ['pbx_call_id', 'call_id_with_rec']
        : n.event === 'NOTIFY_ANSWER'
          ? ['caller_id', 'destination', 'call_start']
          : n.event.startsWith('NOTIFY_OUT_')
            ? ['internal', 'destination', 'call_start']
            : ['caller_id', 'called_did', 'call_start'];
    return hmac(fields.map((f) => n[f] ?? '').join(''), options.rawDigestSignatures === true);
  };
  async function deliver(list: ZadarmaScriptedNotification[], delayMs = 0): Promise<ZadarmaSentNotification[]> {
    if (!hubUrl) {
      throw new EmulatorHttpError(409, {
        error: 'No notification URL: register one with POST /v1/pbx/callinfo/url/ or PUT /_emulator/config {"hubUrl"}',
      });
    }
    const sent: ZadarmaSentNotification[] = [];
    for (const fields of list) {
      if (delayMs > 0) await delay(delayMs);
      try {
        const response = await fetch(hubUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Signature: signatureOf(fields) },
          body: new URLSearchParams(fields).toString(),
          signal: AbortSignal.timeout(10_000),
        });
        sent.push({ fields, status: response.status, body: await response.text() });
      } catch (error) {
        sent.push({ fields, status: null, body: '', error: (error as Error).message });
      }
    }
    return sent;
  }

  async function playScenario(request: ZadarmaScenarioRequest): Promise<ZadarmaScenarioResult> {
    if (!ZADARMA_SCENARIOS.includes(request.name)) {
      throw new EmulatorHttpError(400, {
        error: `Unknown scenario "${String(request.name)}"`,
        scenarios: ZADARMA_SCENARIOS,
      });
    }
    const defaults = staff.slice(0, ZADARMA_SCENARIO_EXTENSIONS[request.name]).map((m) => m.extension);
    const callStart = wallClock(Date.now(), offset);
    const build = (extensions: string[], pbxCallId?: string) => {
      try {
        return buildZadarmaScenario({
          name: request.name,
          client: request.client ?? DEFAULT_CLIENT,
          extensions,
          did,
          callStart,
          newId: () => randomBytes(20).toString('hex'),
          ...(pbxCallId ? { pbxCallId } : {}),
        });
      } catch (error) {
        throw new EmulatorHttpError(400, { error: (error as Error).message });
      }
    };
    let script = build(request.extensions ?? defaults);
    const sent: ZadarmaSentNotification[] = [];
    let routedTo: string | undefined;
    let rest = script.notifications;
    if (script.notifications[0]?.event === 'NOTIFY_START') {
      // The PBX waits for NOTIFY_START's answer, which may redirect the call (PHP client Webhook/Request.php).
      const asked = await deliver(script.notifications.slice(0, 1));
      sent.push(...asked);
      const answer = parseJson(asked[0]?.body ?? '') as { redirect?: unknown } | undefined;
      const redirect = typeof answer?.redirect === 'string' ? answer.redirect : undefined;
      if (redirect && !request.extensions && staff.some((m) => m.extension === redirect)) {
        routedTo = redirect;
        const others = defaults.filter((ext) => ext !== redirect).slice(0, defaults.length - 1);
        const ringing = request.name === 'group-ringing' ? [...others, redirect] : [redirect, ...others];
        script = build(ringing, script.pbxCallId);
      }
      rest = script.notifications.slice(1);
    }
    for (const id of script.recordings) recordings.add(id);
    recordingsOfCall.set(script.pbxCallId, script.recordings);
    const order = arrangeDelivery(rest, request.options ?? {});
    sent.push(...(await deliver(order, request.options?.delayMs)));
    return {
      pbxCallId: script.pbxCallId,
      recordings: script.recordings,
      notifications: sent,
      ...(routedTo ? { routedTo } : {}),
    };
  }

  /** The `Authorization` check, as the API documents it: key, then the signature over the sorted params. */
  function authenticate(req: IncomingMessage, path: string, params: Record<string, string>): void {
    const header = req.headers.authorization ?? '';
    const colon = header.indexOf(':');
    const key = colon < 0 ? '' : header.slice(0, colon).trim();
    const signature = colon < 0 ? '' : header.slice(colon + 1).trim();
    if (!key || !sameText(key, options.apiKey)) throw apiError(401, 'Not authorized');
    const sorted = Object.keys(params)
      .sort()
      .map((k) => `${phpUrlencode(k)}=${phpUrlencode(params[k] ?? '')}`)
      .join('&');
    const md5 = createHash('md5').update(sorted).digest('hex');
    if (!sameText(signature, hmac(path + sorted + md5))) throw apiError(401, 'Not authorized');
  }

  function overLimit(): boolean {
    if (options.rateLimits === false) return false;
    const now = Date.now();
    while (hits.length > 0 && now - (hits[0] ?? 0) >= 60_000) hits.shift();
    if (hits.length >= LIMIT_PER_MINUTE) return true;
    hits.push(now);
    return false;
  }

  async function handleApi(method: string, path: string, params: Record<string, string>): Promise<unknown> {
    const extensionInfo = /^\/v1\/pbx\/internal\/(\d+)\/info\/$/.exec(path);
    if (extensionInfo) {
      const member = staff.find((m) => m.extension === extensionInfo[1]);
      if (!member) throw apiError(404, 'Extension not found');
      // Numbers come back as numbers here and as strings elsewhere, as the real API mixes them.
      return {
        status: 'success',
        pbx_id: '12345',
        number: Number(member.extension),
        name: member.name,
        caller_id: `+${did}`,
        caller_id_app_change: 'true',
        caller_id_by_direction: 'false',
        lines: '3',
        ip_restriction: false,
        record_store: 'Without recognition',
        record_email: false,
      };
    }
    switch (`${method} ${path}`) {
      case 'GET /v1/info/balance/':
        return { status: 'success', balance: 10.34, currency: 'USD' };
      case 'GET /v1/info/timezone/':
        return {
          status: 'success',
          unixtime: Math.floor(Date.now() / 1000),
          datetime: wallClock(Date.now(), offset),
          timezone: `UTC${offset >= 0 ? '+' : '-'}${Math.floor(Math.abs(offset) / 60)}${Math.abs(offset) % 60 ? `:${String(Math.abs(offset) % 60).padStart(2, '0')}` : ''}`,
        };
      case 'GET /v1/pbx/internal/':
        return { status: 'success', pbx_id: 12345, numbers: staff.map((m) => Number(m.extension)) };
      case 'GET /v1/request/callback/': {
        const from = params.from ?? '';
        const to = params.to ?? '';
        if (!/^\d{3,5}$/.test(from) || !staff.some((m) => m.extension === from))
          throw apiError(400, 'Wrong parameter from');
        if (!/^\+?\d{5,15}$/.test(to)) throw apiError(400, 'Wrong parameter to');
        background.run(
          (async () => {
            // The extension rings and picks up before the PBX dials the number.
            await delay(50);
            await playScenario({ name: 'callback', client: to.replace(/^\+/, ''), extensions: [from] });
          })(),
        );
        return { status: 'success', from: Number(from), to: Number(to), time: Math.floor(Date.now() / 1000) };
      }
      case 'GET /v1/pbx/record/request/': {
        const callId = params.call_id ?? '';
        const pbxCallId = params.pbx_call_id ?? '';
        const lifetime = params.lifetime === undefined ? 1800 : Number(params.lifetime);
        if (!Number.isInteger(lifetime) || lifetime < 180 || lifetime > 5_184_000) {
          throw apiError(400, 'Wrong parameter lifetime');
        }
        if (!callId && !pbxCallId) throw apiError(400, 'call_id or pbx_call_id required');
        const ids = callId ? [callId] : (recordingsOfCall.get(pbxCallId) ?? []);
        if (ids.length === 0 || ids.some((id) => !recordings.has(id))) throw apiError(404, 'Record not found');
        const until = Date.now() + lifetime * 1000;
        const made = ids.map((recordId) => {
          const token = randomBytes(16).toString('hex');
          links.set(token, { recordId, until });
          return `${origin}/v1/pbx/record/download/${token}/${encodeURIComponent(recordId)}.wav`;
        });
        return {
          status: 'success',
          ...(callId ? { link: made[0] } : { links: made }),
          lifetime_till: wallClock(until, offset),
        };
      }
      case 'GET /v1/pbx/callinfo/':
        return { status: 'success', url: hubUrl ?? '', ...enabled };
      case 'POST /v1/pbx/callinfo/url/': {
        const url = params.url ?? '';
        if (!URL.canParse(url)) throw apiError(400, 'Wrong parameter url');
        if (options.echoCheck !== false) await checkEcho(url);
        hubUrl = url;
        return { status: 'success', url };
      }
      case 'POST /v1/pbx/callinfo/notifications/': {
        for (const key of [
          'notify_start',
          'notify_internal',
          'notify_answer',
          'notify_end',
          'notify_out_start',
          'notify_out_end',
        ]) {
          const value = params[key];
          if (value === undefined) continue;
          if (value !== 'true' && value !== 'false') throw apiError(400, `Wrong parameter ${key}`);
          enabled[key] = value;
        }
        return { status: 'success', ...enabled };
      }
    }
    throw apiError(404, `Method ${path} not found`);
  }

  /** Zadarma calls a new URL with `zd_echo` and takes it only if the answer is the token (callinfo_callback.php). */
  async function checkEcho(url: string): Promise<void> {
    const token = randomBytes(8).toString('hex');
    const target = new URL(url);
    target.searchParams.set('zd_echo', token);
    let answer = '';
    try {
      const response = await fetch(target, { signal: AbortSignal.timeout(5000) });
      answer = (await response.text()).trim();
    } catch (error) {
      throw apiError(400, `Could not check the URL: ${(error as Error).message}`);
    }
    if (answer !== token) throw apiError(400, 'The URL did not answer the zd_echo check with the token');
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const method = req.method ?? 'GET';
    const body = await readBody(req);

    if (url.pathname.startsWith('/_emulator/')) {
      const control = url.pathname.slice('/_emulator/'.length);
      if (control === 'scenario' && method === 'POST') {
        return sendJson(res, 200, await playScenario(parseScenarioRequest(body)));
      }
      if (control === 'requests' && method === 'GET') return sendJson(res, 200, requests);
      const config = () => ({ hubUrl: hubUrl ?? null, staff, notifications: enabled });
      if (control === 'config' && method === 'GET') return sendJson(res, 200, config());
      if (control === 'config' && method === 'PUT') {
        emulator.configure(readEmulatorConfig<ZadarmaStaffMember>(body, ['extension', 'name']));
        return sendJson(res, 200, config());
      }
      return sendJson(res, 404, { error: `No control endpoint ${method} ${url.pathname}` });
    }

    const download = /^\/v1\/pbx\/record\/download\/([0-9a-f]+)\/[^/]+$/.exec(url.pathname);
    if (download && method === 'GET') {
      const link = links.get(download[1] ?? '');
      if (!link || link.until < Date.now()) return sendJson(res, 404, { status: 'error', message: 'Link expired' });
      res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': wav.length });
      res.end(wav);
      return;
    }

    const params = method === 'GET' ? Object.fromEntries(url.searchParams) : formFields(body);
    const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    const note = (status: number) =>
      requests.push({ method, path, params, status, receivedAt: new Date().toISOString() });
    if (overLimit()) {
      note(429);
      return sendJson(res, 429, { status: 'error', message: 'Too many requests' });
    }
    try {
      authenticate(req, path, params);
      const reply = await handleApi(method, path, params);
      note(200);
      return sendJson(res, 200, reply, rateHeaders(hits.length));
    } catch (error) {
      if (!(error instanceof EmulatorHttpError)) throw error;
      note(error.status);
      return sendJson(res, error.status, error.body);
    }
  }

  const served = await serveEmulator(route, options, (message) => ({ status: 'error', message }));
  origin = served.origin;

  const emulator: ZadarmaEmulator = {
    url: origin,
    apiUrl: origin,
    requests,
    get hubUrl() {
      return hubUrl;
    },
    get staff() {
      return staff;
    },
    get notifications() {
      return enabled;
    },
    configure(config) {
      if (config.hubUrl !== undefined) hubUrl = config.hubUrl;
      if (config.staff !== undefined) staff = [...config.staff];
    },
    playScenario,
    idle: background.idle,
    async close() {
      await background.idle();
      await closeServer(served.server);
    },
  };
  return emulator;
}

function apiError(status: number, message: string): EmulatorHttpError {
  return new EmulatorHttpError(status, { status: 'error', message });
}

function rateHeaders(used: number): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(LIMIT_PER_MINUTE),
    'X-RateLimit-Remaining': String(Math.max(0, LIMIT_PER_MINUTE - used)),
  };
}

/** PHP's urlencode, which http_build_query uses: only `-_.` and alphanumerics stay, spaces become `+`. */
function phpUrlencode(value: string): string {
  return Array.from(Buffer.from(value, 'utf8'))
    .map((byte) => {
      const c = String.fromCharCode(byte);
      if (/[A-Za-z0-9_.-]/.test(c)) return c;
      if (c === ' ') return '+';
      return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** "YYYY-MM-DD HH:MM:SS" wall-clock time at `offsetMinutes` east of UTC. */
function wallClock(ms: number, offsetMinutes: number): string {
  return new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19).replace('T', ' ');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function parseScenarioRequest(body: string): ZadarmaScenarioRequest {
  const value = parseJson(body);
  if (typeof value !== 'object' || value === null) {
    throw new EmulatorHttpError(400, { error: 'Send a JSON object {name, client?, extensions?, options?}' });
  }
  const r = value as Record<string, unknown>;
  if (
    r.extensions !== undefined &&
    !(Array.isArray(r.extensions) && r.extensions.every((x) => typeof x === 'string'))
  ) {
    throw new EmulatorHttpError(400, { error: '"extensions" must be an array of strings' });
  }
  if (r.client !== undefined && (typeof r.client !== 'string' || !/^\d{5,15}$/.test(r.client))) {
    throw new EmulatorHttpError(400, { error: '"client" must be digits in international format' });
  }
  return {
    name: r.name as ZadarmaScenarioName,
    ...(r.client ? { client: r.client as string } : {}),
    ...(r.extensions ? { extensions: r.extensions as string[] } : {}),
    options: readDeliveryOptions(r.options),
  };
}
