/**
 * An ITooLabs PBX emulator (MegaFon, Gravitel, Kcell, Moldcell…): a real HTTP server speaking both CRM API
 * generations and pushing calls to the CRM URL, for tests, the demo and integrators.
 *
 * API: legacy POST|GET /sys/crm_api.wcgp (`cmd` accounts, makeCall, history [CSV], `token`);
 * REST /crmapi/v1/users, POST /crmapi/v1/makecall, /crmapi/v1/history/json (`X-API-KEY`).
 * Pushes: form posts with `cmd` and `crm_token`; an incoming call asks `contact` first and rings the
 * `responsible` user it is told. Files: GET /records/<id>.wav.
 * Control: POST /_emulator/scenario, GET /_emulator/requests, GET|PUT /_emulator/config.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
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
import { ITOOLABS_SCENARIOS, ITOOLABS_SCENARIO_USERS, buildItoolabsScenario } from './itoolabs-scenarios.js';
import type { ItoolabsScenarioName, ItoolabsScenarioUser, ItoolabsScriptedPush } from './itoolabs-scenarios.js';

export interface ItoolabsStaffMember {
  login: string;
  name: string;
  ext: string;
}

export interface ItoolabsEmulatorOptions {
  port?: number;
  host?: string;
  /** The PBX key: `token` (legacy) and `X-API-KEY` (REST). */
  apiKey: string;
  /** The CRM token the PBX sends with every push (set in the cabinet with the CRM URL). */
  crmToken: string;
  /** The CRM URL (the connection's webhook URL); set in the cabinet, so here or with PUT /_emulator/config. */
  hubUrl?: string;
  staff?: ItoolabsStaffMember[];
  /** Our number (`diversion`). Default 74951234567. */
  did?: string;
}

export interface ItoolabsScenarioRequest {
  name: ItoolabsScenarioName;
  client?: string;
  /** Logins; default the first staff members. */
  users?: string[];
  /** The call id (a callback uses makeCall's). */
  callId?: string;
  /** Push a `rating` with this value after the history. */
  rating?: number;
  /** Leave out the `history` push (it stays in the history API), as when a push is lost. */
  withoutHistory?: boolean;
  options?: DeliveryOptions & { delayMs?: number };
}

export interface ItoolabsSentPush {
  fields: ItoolabsScriptedPush;
  status: number | null;
  /** What the CRM answered (the `contact` answer matters). */
  body: string;
}

export interface ItoolabsScenarioResult {
  callId: string;
  pushes: ItoolabsSentPush[];
  /** The `responsible` login the CRM named for the caller, when it named a staff member. */
  routedTo?: string;
}

export interface ItoolabsReceivedRequest {
  api: 'legacy' | 'rest';
  command: string;
  params: Record<string, unknown>;
  status: number;
  receivedAt: string;
}

export interface ItoolabsEmulator {
  url: string;
  /** What to put in the connection's "PBX address" setting. */
  apiUrl: string;
  readonly requests: readonly ItoolabsReceivedRequest[];
  readonly hubUrl: string | undefined;
  readonly staff: readonly ItoolabsStaffMember[];
  configure(config: { hubUrl?: string; staff?: ItoolabsStaffMember[] }): void;
  playScenario(request: ItoolabsScenarioRequest): Promise<ItoolabsScenarioResult>;
  idle(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_STAFF: ItoolabsStaffMember[] = [
  { login: 'anna', name: 'Anna Smirnova', ext: '701' },
  { login: 'boris', name: 'Boris Ivanov', ext: '702' },
  { login: 'olga', name: 'Olga Petrova', ext: '703' },
];
const TENANT = 'emulator.megapbx.ru';
const DEFAULT_CLIENT = '79161234567';

interface HistoryEntry {
  uid: string;
  type: string;
  status: string;
  client: string;
  account: string;
  via: string;
  start: Date;
  duration: number;
  record: string;
}

export async function startItoolabsEmulator(options: ItoolabsEmulatorOptions): Promise<ItoolabsEmulator> {
  let hubUrl = options.hubUrl;
  let staff = [...(options.staff ?? DEFAULT_STAFF)];
  const did = options.did ?? '74951234567';
  const requests: ItoolabsReceivedRequest[] = [];
  const history: HistoryEntry[] = [];
  const records = new Set<string>();
  const background = backgroundWork();
  const wav = toneWav();
  let origin = '';

  async function push(fields: ItoolabsScriptedPush): Promise<ItoolabsSentPush> {
    if (!hubUrl) {
      throw new EmulatorHttpError(409, {
        error: 'No CRM URL: PUT /_emulator/config {"hubUrl": "<the webhook URL>"} first',
      });
    }
    try {
      const response = await fetch(hubUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...fields, crm_token: options.crmToken }).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      return { fields, status: response.status, body: await response.text() };
    } catch {
      return { fields, status: null, body: '' };
    }
  }

  async function playScenario(request: ItoolabsScenarioRequest): Promise<ItoolabsScenarioResult> {
    if (!ITOOLABS_SCENARIOS.includes(request.name)) {
      throw new EmulatorHttpError(400, {
        error: `Unknown scenario "${String(request.name)}"`,
        scenarios: ITOOLABS_SCENARIOS,
      });
    }
    const byLogin = (login: string) => staff.find((m) => m.login === login);
    let users: ItoolabsScenarioUser[] = request.users
      ? request.users.map((login) => {
          const member = byLogin(login);
          if (!member) throw new EmulatorHttpError(400, { error: `No staff member with login "${login}"` });
          return member;
        })
      : staff.slice(0, ITOOLABS_SCENARIO_USERS[request.name]);
    const client = request.client ?? DEFAULT_CLIENT;
    const callId = request.callId ?? randomUUID();
    const sent: ItoolabsSentPush[] = [];
    const incoming = !['outgoing', 'callback'].includes(request.name);
    let routedTo: string | undefined;
    if (incoming) {
      // The PBX asks who is calling and waits; `responsible` routes the call to that user (providers.md §3.3).
      const asked = await push({ cmd: 'contact', callid: callId, phone: client, diversion: did });
      sent.push(asked);
      const answer = parseJson(asked.body) as { responsible?: unknown } | undefined;
      const responsible = typeof answer?.responsible === 'string' ? byLogin(answer.responsible) : undefined;
      if (responsible && !request.users) {
        routedTo = responsible.login;
        const others = staff.filter((m) => m !== responsible).slice(0, users.length - 1);
        users = request.name === 'group-ringing' ? [...others, responsible] : [responsible, ...others];
      }
    }
    const start = new Date();
    const recordId = randomUUID();
    let script;
    try {
      script = buildItoolabsScenario({
        name: request.name,
        client,
        users,
        did,
        callId,
        start: start
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d+Z$/, 'Z'),
        recordUrl: `${origin}/records/${recordId}.wav`,
        tenant: TENANT,
      });
    } catch (error) {
      throw new EmulatorHttpError(400, { error: (error as Error).message });
    }
    if (request.name === 'recorded') records.add(recordId);
    history.push({ uid: callId, via: did, start, ...script.history });
    let pushes = script.pushes.filter((p) => !(request.withoutHistory && p.cmd === 'history'));
    if (request.rating !== undefined) {
      const last = users[users.length - 1] as ItoolabsScenarioUser;
      pushes = [
        ...pushes,
        {
          cmd: 'rating',
          callid: callId,
          rating: String(request.rating),
          user: last.login,
          ext: last.ext,
          phone: client,
        },
      ];
    }
    for (const fields of arrangeDelivery(pushes, request.options ?? {})) {
      if (request.options?.delayMs) await delay(request.options.delayMs);
      sent.push(await push(fields));
    }
    return { callId, pushes: sent, ...(routedTo ? { routedTo } : {}) };
  }

  function accounts(): Array<Record<string, string>> {
    return staff.map((m) => ({ name: m.login, realName: m.name, ext: m.ext, email: `${m.login}@example.com` }));
  }

  function makeCall(user: string, phone: string): string {
    const member = staff.find((m) => m.login === user || m.ext === user);
    if (!member) throw new EmulatorHttpError(400, { error: `Invalid parameters: [user] ${user}` });
    if (!/^\d{5,15}$/.test(phone)) throw new EmulatorHttpError(400, { error: `Invalid parameters: [phone] ${phone}` });
    const callId = randomUUID();
    background.run(
      (async () => {
        await delay(50);
        await playScenario({ name: 'callback', client: phone, users: [member.login], callId });
      })(),
    );
    return callId;
  }

  function historyRows(period: string, type: string): HistoryEntry[] {
    if (!['today', 'yesterday', 'this_week', 'last_week', 'this_month', 'last_month'].includes(period)) {
      throw new EmulatorHttpError(400, { error: 'Invalid parameters: [period]' });
    }
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    return history.filter((h) => {
      const day = h.start.toISOString().slice(0, 10);
      const inPeriod = period === 'today' ? day === today : period === 'yesterday' ? day === yesterday : true;
      const rowType = h.type === 'in' && h.duration === 0 ? 'missed' : h.type;
      return inPeriod && (type === 'all' || type === rowType);
    });
  }

  async function legacy(res: ServerResponse, params: Record<string, string>): Promise<void> {
    const note = (status: number) =>
      requests.push({ api: 'legacy', command: params.cmd ?? '', params, status, receivedAt: new Date().toISOString() });
    if (!params.token || !sameText(params.token, options.apiKey)) {
      note(401);
      return sendJson(res, 401, { error: 'Invalid token' });
    }
    try {
      switch (params.cmd) {
        case 'accounts':
          note(200);
          return sendJson(res, 200, accounts());
        case 'makeCall': {
          const callId = makeCall(params.user ?? '', params.phone ?? '');
          note(200);
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end(callId);
          return;
        }
        case 'history': {
          const rows = historyRows(params.period ?? 'today', params.type ?? 'all');
          note(200);
          res.writeHead(200, { 'Content-Type': 'text/csv; charset=utf-8' });
          // uid,type,client,account,via,start,wait,duration,record — the start in the PBX's zone (+03:00).
          res.end(
            rows
              .map((h) =>
                [
                  h.uid,
                  h.type === 'in' && h.duration === 0 ? 'missed' : h.type,
                  `+${h.client}`,
                  h.account,
                  `+${h.via}`,
                  mskIso(h.start),
                  '0',
                  String(h.duration),
                  h.record,
                ].join(','),
              )
              .join('\n'),
          );
          return;
        }
      }
      throw new EmulatorHttpError(400, { error: `Invalid parameters: [cmd] ${params.cmd ?? ''}` });
    } catch (error) {
      if (!(error instanceof EmulatorHttpError)) throw error;
      note(error.status);
      return sendJson(res, error.status, error.body);
    }
  }

  async function rest(req: IncomingMessage, res: ServerResponse, path: string, body: string, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const params: Record<string, unknown> =
      method === 'GET'
        ? Object.fromEntries(url.searchParams)
        : ((parseJson(body) as Record<string, unknown> | undefined) ?? {});
    const note = (status: number) =>
      requests.push({
        api: 'rest',
        command: `${method} ${path}`,
        params,
        status,
        receivedAt: new Date().toISOString(),
      });
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !sameText(key, options.apiKey)) {
      note(401);
      return sendJson(res, 401, { message: 'Unauthorized' });
    }
    try {
      if (method === 'GET' && path === '/users') {
        note(200);
        return sendJson(
          res,
          200,
          staff.map((m) => ({
            login: m.login,
            name: m.name,
            ext: m.ext,
            telnum: '',
            mobile: '',
            email: `${m.login}@example.com`,
            role: 'user',
          })),
        );
      }
      if (method === 'POST' && path === '/makecall') {
        const callid = makeCall(String(params.user ?? ''), String(params.phone ?? ''));
        note(200);
        return sendJson(res, 200, { callid });
      }
      if (method === 'GET' && path === '/history/json') {
        const rows = historyRows(String(params.period ?? 'today'), String(params.type ?? 'all'));
        note(200);
        return sendJson(
          res,
          200,
          rows.map((h) => ({
            uid: h.uid,
            type: h.type === 'in' && h.duration === 0 ? 'missed' : h.type,
            status: h.status,
            client: h.client,
            account: h.account,
            user: h.account.split('@')[0],
            diversion: h.via,
            start: h.start.toISOString().replace(/\.\d+Z$/, 'Z'),
            wait: 0,
            duration: h.duration,
            record: h.record,
          })),
        );
      }
      throw new EmulatorHttpError(404, { message: `No method ${method} ${path}` });
    } catch (error) {
      if (!(error instanceof EmulatorHttpError)) throw error;
      note(error.status);
      const b = error.body as { error?: string; message?: string };
      return sendJson(res, error.status, { message: b.message ?? b.error });
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (url.pathname.startsWith('/_emulator/')) {
      const control = url.pathname.slice('/_emulator/'.length);
      if (control === 'scenario' && method === 'POST')
        return sendJson(res, 200, await playScenario(parseScenario(body)));
      if (control === 'requests' && method === 'GET') return sendJson(res, 200, requests);
      if (control === 'config' && method === 'GET') return sendJson(res, 200, { hubUrl: hubUrl ?? null, staff });
      if (control === 'config' && method === 'PUT') {
        emulator.configure(readEmulatorConfig<ItoolabsStaffMember>(body, ['login', 'name', 'ext']));
        return sendJson(res, 200, { hubUrl: hubUrl ?? null, staff });
      }
      return sendJson(res, 404, { error: `No control endpoint ${method} ${url.pathname}` });
    }
    const record = /^\/records\/([0-9a-f-]+)\.wav$/.exec(url.pathname);
    if (record && method === 'GET') {
      if (!records.has(record[1] ?? '')) return sendJson(res, 404, { error: 'No such recording' });
      res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': wav.length });
      res.end(wav);
      return;
    }
    if (url.pathname === '/sys/crm_api.wcgp') {
      const params = method === 'GET' ? Object.fromEntries(url.searchParams) : formFields(body);
      return legacy(res, params);
    }
    if (url.pathname.startsWith('/crmapi/v1/'))
      return rest(req, res, url.pathname.slice('/crmapi/v1'.length), body, url);
    return sendJson(res, 404, { error: `Not found: ${url.pathname}` });
  }

  const served = await serveEmulator(route, options);
  origin = served.origin;

  const emulator: ItoolabsEmulator = {
    url: origin,
    apiUrl: origin,
    requests,
    get hubUrl() {
      return hubUrl;
    },
    get staff() {
      return staff;
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

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** ISO time with the +03:00 offset, as the legacy history CSV writes it. */
function mskIso(date: Date): string {
  return `${new Date(date.getTime() + 3 * 3600_000).toISOString().slice(0, 19)}+03:00`;
}

function parseScenario(body: string): ItoolabsScenarioRequest {
  const value = parseJson(body);
  if (typeof value !== 'object' || value === null) {
    throw new EmulatorHttpError(400, { error: 'Send a JSON object {name, client?, users?, rating?, options?}' });
  }
  const r = value as Record<string, unknown>;
  if (r.users !== undefined && !(Array.isArray(r.users) && r.users.every((x) => typeof x === 'string'))) {
    throw new EmulatorHttpError(400, { error: '"users" must be an array of logins' });
  }
  if (r.client !== undefined && (typeof r.client !== 'string' || !/^\d{5,15}$/.test(r.client))) {
    throw new EmulatorHttpError(400, { error: '"client" must be digits in international format' });
  }
  if (r.rating !== undefined && (typeof r.rating !== 'number' || !Number.isFinite(r.rating))) {
    throw new EmulatorHttpError(400, { error: '"rating" must be a number' });
  }
  return {
    name: r.name as ItoolabsScenarioName,
    ...(r.client ? { client: r.client as string } : {}),
    ...(r.users ? { users: r.users as string[] } : {}),
    ...(typeof r.rating === 'number' ? { rating: r.rating } : {}),
    ...(r.withoutHistory === true ? { withoutHistory: true } : {}),
    options: readDeliveryOptions(r.options),
  };
}
