/**
 * A Mango Office VPBX API emulator: a real HTTP server speaking the documented protocol (v1.9), for tests,
 * the demo and integrators. It checks signatures independently of the connector, enforces the documented
 * rate limits, plays callbacks, serves one-shot recording links and pushes scripted calls to a hub.
 *
 * API (under /vpbx/, or at the root): account/balance, config/users/request, commands/callback,
 * queries/recording/post. Control: POST /_emulator/scenario, GET /_emulator/commands,
 * GET|PUT /_emulator/config. One-shot files: GET /files/<token>.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { MANGO_RATE_LIMIT_BODY } from '../../connectors/mango-office/mango-office-types.js';
import type { MangoCallbackCommand, MangoUser } from '../../connectors/mango-office/mango-office-types.js';
import {
  MANGO_SCENARIOS,
  MANGO_SCENARIO_EXTENSIONS,
  arrangeDelivery,
  buildScenario,
} from './mango-office-scenarios.js';
import type { MangoDeliveryOptions, MangoScenarioName, MangoScriptedNotification } from './mango-office-scenarios.js';
import {
  EmulatorHttpError,
  backgroundWork,
  closeServer,
  parseJson,
  readBody,
  readDeliveryOptions,
  readEmulatorConfig,
  sendJson,
  serveEmulator,
} from '../emulator-http.js';
import { toneWav } from '../tone-wav.js';

export interface MangoStaffMember {
  extension: string;
  name: string;
  department?: string;
  position?: string;
  email?: string;
  /** The device Mango rings; defaults to a SIP address made from the extension. */
  device?: string;
}

export interface MangoEmulatorOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** The connection's webhook URL; Mango appends `/events/call` and the other paths to it. */
  hubUrl?: string;
  apiKey: string;
  apiSalt: string;
  staff?: MangoStaffMember[];
  /** Enforce the documented per-method rate limits (§1.4.2). Default true. */
  rateLimits?: boolean;
  /** Ids of recordings the PBX holds already, from calls before it started; scenarios add their own. */
  recordings?: string[];
  /**
   * Pause before each notification of a callback's call, in ms (default 0). A real PBX takes seconds
   * to ring the employee; a pause lets a watching UI see the call ring before it ends.
   */
  callbackDelayMs?: number;
}

export interface MangoScenarioRequest {
  name: MangoScenarioName;
  /** The external number; default 79161234567. */
  client?: string;
  /** Default: the first staff members. */
  extensions?: string[];
  /** The PBX line; default 74951234567. */
  line?: string;
  /** Echoed in a callback's legs. */
  commandId?: string;
  options?: MangoDeliveryOptions & { delayMs?: number };
}

export interface MangoSentNotification {
  path: string;
  /** The exact signed `json` field. */
  json: string;
  /** The hub's HTTP status, or null when it could not be reached. */
  status: number | null;
  error?: string;
}

export interface MangoScenarioResult {
  entryId: string;
  notifications: MangoSentNotification[];
}

export interface MangoReceivedCommand {
  path: string;
  /** The decoded `json` field; null when it could not be read. */
  payload: unknown;
  /** The result code the emulator answered with (1000 = accepted). */
  result: number;
  receivedAt: string;
}

export interface MangoEmulator {
  /** The server's origin, for the control endpoints. */
  url: string;
  /** What to put in the connection's "API address" setting. */
  apiUrl: string;
  /** Commands received so far, oldest first. */
  readonly commands: readonly MangoReceivedCommand[];
  readonly hubUrl: string | undefined;
  readonly staff: readonly MangoStaffMember[];
  configure(config: { hubUrl?: string; staff?: MangoStaffMember[] }): void;
  /** Pushes a scripted call to the hub and resolves with what was sent. */
  playScenario(request: MangoScenarioRequest): Promise<MangoScenarioResult>;
  /** Resolves when background deliveries (callback legs and results) are done. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_STAFF: MangoStaffMember[] = [
  { extension: '101', name: 'Anna Smirnova', department: 'Sales', position: 'Manager' },
  { extension: '102', name: 'Boris Ivanov', department: 'Sales', position: 'Manager' },
  { extension: '103', name: 'Olga Petrova', department: 'Support', position: 'Engineer' },
];

/** Requests per window per method (§1.4.2); anything not listed has the general 10 per second. */
const RATE_LIMITS: Record<string, { max: number; windowMs: number }> = {
  'config/users/request': { max: 1, windowMs: 2000 },
  'account/balance': { max: 2, windowMs: 1000 },
  'commands/callback': { max: 4, windowMs: 1000 },
};
const GENERAL_LIMIT = { max: 10, windowMs: 1000 };
const DEFAULT_CLIENT = '79161234567';
const DEFAULT_LINE = '74951234567';

export async function startMangoEmulator(options: MangoEmulatorOptions): Promise<MangoEmulator> {
  const { apiKey, apiSalt } = options;
  let hubUrl = options.hubUrl;
  let staff = [...(options.staff ?? DEFAULT_STAFF)];
  const commands: MangoReceivedCommand[] = [];
  const recordings = new Set<string>(options.recordings);
  const files = new Map<string, Buffer>();
  const hits = new Map<string, number[]>();
  const background = backgroundWork();
  const wav = toneWav();
  let origin = '';

  const sign = (json: string) =>
    createHash('sha256')
      .update(apiKey + json + apiSalt)
      .digest('hex');
  const deviceOf = (extension: string) =>
    staff.find((m) => m.extension === extension)?.device ?? defaultDevice(extension);
  async function deliver(notifications: MangoScriptedNotification[], delayMs = 0): Promise<MangoSentNotification[]> {
    if (!hubUrl) {
      throw new EmulatorHttpError(409, {
        error: 'No hub URL: PUT /_emulator/config {"hubUrl": "<the connection webhook URL>"} first',
      });
    }
    const base = hubUrl.replace(/\/+$/, '');
    const sent: MangoSentNotification[] = [];
    for (const { path, payload } of notifications) {
      if (delayMs > 0) await delay(delayMs);
      const json = JSON.stringify(payload);
      const body = new URLSearchParams({ vpbx_api_key: apiKey, sign: sign(json), json }).toString();
      try {
        const response = await fetch(base + path, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        sent.push({ path, json, status: response.status });
      } catch (error) {
        sent.push({ path, json, status: null, error: (error as Error).message });
      }
    }
    return sent;
  }

  async function playScenario(request: MangoScenarioRequest): Promise<MangoScenarioResult> {
    const name = request.name;
    if (!MANGO_SCENARIOS.includes(name)) {
      throw new EmulatorHttpError(400, { error: `Unknown scenario "${String(name)}"`, scenarios: MANGO_SCENARIOS });
    }
    const extensions = request.extensions ?? staff.slice(0, MANGO_SCENARIO_EXTENSIONS[name]).map((m) => m.extension);
    let script;
    try {
      script = buildScenario({
        name,
        client: request.client ?? DEFAULT_CLIENT,
        extensions,
        line: request.line ?? DEFAULT_LINE,
        startAt: Math.floor(Date.now() / 1000),
        deviceOf,
        isExtension: (number) => staff.some((m) => m.extension === number),
        newId,
        commandId: request.commandId,
      });
    } catch (error) {
      throw new EmulatorHttpError(400, { error: (error as Error).message });
    }
    for (const id of script.recordingIds) recordings.add(id);
    const order = arrangeDelivery(script.notifications, request.options ?? {});
    return { entryId: script.entryId, notifications: await deliver(order, request.options?.delayMs) };
  }

  /** Checks a signed command form and returns its payload; throws the documented error otherwise. */
  function authenticate(method: string, form: URLSearchParams): unknown {
    if (method !== 'POST') throw apiError(405, 3101, 'Only POST is supported');
    const key = form.get('vpbx_api_key');
    const signature = form.get('sign');
    const json = form.get('json');
    if (key === null || signature === null || json === null) {
      throw apiError(400, 3103, 'vpbx_api_key, sign and json are required');
    }
    if (!sameText(key, apiKey)) throw apiError(400, 3105, 'Invalid vpbx_api_key');
    if (!sameText(signature.toLowerCase(), sign(json))) throw apiError(400, 3102, 'Sign does not match');
    try {
      return JSON.parse(json);
    } catch {
      throw apiError(400, 3400, 'Invalid JSON');
    }
  }

  function overLimit(command: string): boolean {
    if (options.rateLimits === false) return false;
    const { max, windowMs } = RATE_LIMITS[command] ?? GENERAL_LIMIT;
    const now = Date.now();
    const recent = (hits.get(command) ?? []).filter((t) => now - t < windowMs);
    const limited = recent.length >= max;
    if (!limited) recent.push(now);
    hits.set(command, recent);
    return limited;
  }

  function handleCommand(command: string, payload: unknown): { status: number; body?: unknown; location?: string } {
    const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
    switch (command) {
      case 'account/balance':
        return { status: 200, body: { result: 1000, balance: 1520.5, currency: 'RUB', response_at: moscowTime() } };
      case 'config/users/request': {
        const wanted = p.extension === undefined ? undefined : String(p.extension);
        return {
          status: 200,
          body: { users: staff.filter((m) => wanted === undefined || m.extension === wanted).map(toMangoUser) },
        };
      }
      case 'commands/callback': {
        const cmd = p as Partial<MangoCallbackCommand>;
        const extension = cmd.from?.extension === undefined ? '' : String(cmd.from.extension);
        if (!extension || typeof cmd.to_number !== 'string' || !cmd.to_number) {
          throw apiError(400, 3103, 'from.extension and to_number are required');
        }
        const known = staff.some((m) => m.extension === extension);
        background.run(playCallback(cmd.command_id, extension, cmd.to_number, known));
        return { status: 200, body: { result: 1000 } };
      }
      case 'queries/recording/post': {
        const id = typeof p.recording_id === 'string' ? p.recording_id : '';
        if (p.action !== 'play' && p.action !== 'download') {
          throw apiError(400, 3104, 'action must be play or download');
        }
        if (!recordings.has(id)) throw apiError(404, 3320, 'Recording not found');
        const token = randomBytes(16).toString('hex');
        files.set(token, wav);
        return { status: 302, location: `${origin}/files/${token}` };
      }
    }
    throw new EmulatorHttpError(404, { error: `No such API method: /${command}` });
  }

  /** The documented order: the result to `/result/callback`, then the employee's leg, then the client's. */
  async function playCallback(
    commandId: string | undefined,
    extension: string,
    toNumber: string,
    known: boolean,
  ): Promise<void> {
    if (!hubUrl) return;
    const result = { command_id: commandId, result: known ? 1000 : 3100 };
    await deliver([{ path: '/result/callback', payload: result }]);
    if (!known) return;
    await playScenario({
      name: 'callback',
      client: toNumber,
      extensions: [extension],
      commandId,
      options: { delayMs: options.callbackDelayMs ?? 0 },
    });
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
      if (control === 'commands' && method === 'GET') return sendJson(res, 200, commands);
      if (control === 'config' && method === 'GET') return sendJson(res, 200, { hubUrl: hubUrl ?? null, staff });
      if (control === 'config' && method === 'PUT') {
        emulator.configure(readEmulatorConfig<MangoStaffMember>(body, ['extension', 'name']));
        return sendJson(res, 200, { hubUrl: hubUrl ?? null, staff });
      }
      return sendJson(res, 404, { error: `No control endpoint ${method} ${url.pathname}` });
    }

    if (url.pathname.startsWith('/files/') && method === 'GET') {
      const token = url.pathname.slice('/files/'.length);
      const file = files.get(token);
      // Links are single-use (§3.5.1): the first GET consumes it.
      if (!file) return sendJson(res, 404, { error: 'This recording link was used already or never existed' });
      files.delete(token);
      res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': file.length });
      res.end(file);
      return;
    }

    const command = url.pathname.replace(/^\/vpbx\//, '/').replace(/^\/+|\/+$/g, '');
    if (overLimit(command)) return sendJson(res, 429, MANGO_RATE_LIMIT_BODY);
    const form = new URLSearchParams(body);
    let payload: unknown = null;
    try {
      payload = authenticate(method, form);
      const answer = handleCommand(command, payload);
      commands.push({ path: `/${command}`, payload, result: 1000, receivedAt: new Date().toISOString() });
      if (answer.location) {
        res.writeHead(302, { Location: answer.location });
        res.end();
        return;
      }
      return sendJson(res, answer.status, answer.body);
    } catch (error) {
      if (!(error instanceof EmulatorHttpError)) throw error;
      const result = (error.body as { result?: number }).result ?? 0;
      commands.push({ path: `/${command}`, payload, result, receivedAt: new Date().toISOString() });
      return sendJson(res, error.status, error.body);
    }
  }

  const served = await serveEmulator(route, options);
  origin = served.origin;

  const emulator: MangoEmulator = {
    url: origin,
    apiUrl: `${origin}/vpbx/`,
    commands,
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

function apiError(status: number, result: number, message: string): EmulatorHttpError {
  return new EmulatorHttpError(status, { result, message });
}

/** Opaque ids in the style of Mango's (base64, so they carry `+`, `/` and `=` through form encoding). */
function newId(): string {
  return randomBytes(12).toString('base64');
}

function defaultDevice(extension: string): string {
  return `sip:user${extension}@vpbx.mangosip.ru`;
}

function toMangoUser(member: MangoStaffMember): MangoUser {
  return {
    general: {
      name: member.name,
      email: member.email ?? '',
      department: member.department ?? '',
      position: member.position ?? '',
    },
    telephony: {
      extension: member.extension,
      outgoingline: DEFAULT_LINE,
      numbers: [
        {
          number: member.device ?? defaultDevice(member.extension),
          protocol: 'sip',
          order: 0,
          wait_sec: 20,
          status: 'on',
        },
      ],
    },
  };
}

function parseScenarioRequest(body: string): MangoScenarioRequest {
  const value = parseJson(body);
  if (typeof value !== 'object' || value === null) {
    throw new EmulatorHttpError(400, { error: 'Send a JSON object {name, client?, extensions?, options?}' });
  }
  const r = value as Record<string, unknown>;
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (r.extensions !== undefined && !strings(r.extensions)) {
    throw new EmulatorHttpError(400, { error: '"extensions" must be an array of strings' });
  }
  for (const field of ['client', 'line', 'commandId']) {
    if (r[field] !== undefined && typeof r[field] !== 'string') {
      throw new EmulatorHttpError(400, { error: `"${field}" must be a string` });
    }
  }
  return {
    ...(r as Partial<MangoScenarioRequest>),
    name: r.name as MangoScenarioName,
    options: readDeliveryOptions(r.options),
  };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Mango reports `response_at` as Moscow wall-clock time (UTC+3, no DST). */
function moscowTime(): string {
  return new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}
