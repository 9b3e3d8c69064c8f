/**
 * ITooLabs pushes (`cmd=event|history|contact|rating`): verification and parsing. Pure: no clock, no I/O.
 * What must survive between pushes (a call's direction, its record waiting for a rating) is passed in and
 * handed back; the connector keeps it in the module storage.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  HttpResponse,
  HttpStatusCode,
  VoipCallDirection,
  VoipCallDisposition,
  VoipWebhookEvent,
} from '../../contract/index.js';
import type { FetchRequest, VoipCallRecord, VoipWebhookRequest } from '../../contract/index.js';
import { ITOOLABS_COMMANDS, ITOOLABS_EVENT_TYPES } from './itoolabs-types.js';
import type {
  ItoolabsEventPush,
  ItoolabsEventType,
  ItoolabsHistoryPush,
  ItoolabsHistoryRow,
  ItoolabsPush,
} from './itoolabs-types.js';

export type ItoolabsInput = { ok: true; push: ItoolabsPush } | { ok: false; response: HttpResponse; error: string };

/** The fields each push needs; without them it is refused with 400. */
const REQUIRED: Record<ItoolabsPush['cmd'], string[]> = {
  event: ['type', 'callid'],
  history: ['callid', 'type'],
  contact: ['phone'],
  rating: ['callid', 'rating'],
};

/**
 * Checks a push and decodes it: a form post whose `crm_token` is the connection's CRM token, compared
 * in constant time (the protocol has no signature: the token is the only proof, providers.md §3.3).
 */
export function readItoolabsPush(request: FetchRequest, crmToken: string): ItoolabsInput {
  const path = `/${request.path.split('/').filter(Boolean).join('/')}`;
  if (path !== '/') return reject(HttpStatusCode.NOT_FOUND, `The PBX posts to the CRM URL itself, not ${path}`);
  if (request.method.toUpperCase() !== 'POST') {
    return reject(HttpStatusCode.METHOD_NOT_ALLOWED, `The PBX's requests are POST, got ${request.method}`);
  }
  const contentType = (request.headers['Content-Type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType !== 'application/x-www-form-urlencoded') {
    return reject(
      HttpStatusCode.BAD_REQUEST,
      `Expected an application/x-www-form-urlencoded body, got ${contentType || 'no content type'}`,
    );
  }
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(request.body ?? '')) if (!(key in fields)) fields[key] = value;
  const token = fields.crm_token;
  if (token === undefined || !sameText(token, crmToken)) {
    return reject(HttpStatusCode.UNAUTHORIZED, 'Invalid token: the CRM token differs from the one in the PBX cabinet');
  }
  const cmd = fields.cmd ?? '';
  if (!(ITOOLABS_COMMANDS as readonly string[]).includes(cmd)) {
    return reject(HttpStatusCode.BAD_REQUEST, `Unknown cmd ${JSON.stringify(cmd.slice(0, 40))}`);
  }
  const missing = REQUIRED[cmd as ItoolabsPush['cmd']].find((key) => !fields[key]?.trim());
  if (missing) return reject(HttpStatusCode.BAD_REQUEST, `cmd=${cmd} without "${missing}"`);
  if (cmd === 'event' && !eventType(fields.type)) {
    return reject(HttpStatusCode.BAD_REQUEST, `Unknown event type ${JSON.stringify((fields.type ?? '').slice(0, 40))}`);
  }
  return { ok: true, push: fields as unknown as ItoolabsPush };
}

export function eventType(value: string | undefined): ItoolabsEventType | undefined {
  const upper = (value ?? '').trim().toUpperCase();
  return (ITOOLABS_EVENT_TYPES as readonly string[]).includes(upper) ? (upper as ItoolabsEventType) : undefined;
}

/** A login as the PBX writes it, without the tenant (`anna@acme.megapbx.ru` → `anna`). */
export function loginOf(user: string | undefined): string {
  return (user ?? '').trim().split('@')[0] ?? '';
}

/** Group pseudo-users (`g_<uuid>`) appear where a user would; they are nobody's extension (§3.3). */
function isGroup(login: string): boolean {
  return /^g_/i.test(login);
}

/** The agent of a push: its `ext`, else the extension of its login from the accounts we know. */
export function agentOf(
  push: { ext?: string; user?: string },
  extOfLogin: ReadonlyMap<string, string>,
): string | undefined {
  const ext = (push.ext ?? '').trim();
  if (ext) return ext;
  const login = loginOf(push.user);
  if (!login || isGroup(login)) return undefined;
  return extOfLogin.get(login) ?? login;
}

/** What is kept per call (`callid`). */
export interface ItoolabsCallState {
  direction?: 'in' | 'out';
  record?: Omit<VoipCallRecord, 'call' | 'details'>;
  call?: ItoolabsCallData | null;
  rating?: number;
}

/** The opaque `call` data of our records, handed back to `VoipGetCallLink`; null without a recording. */
export interface ItoolabsCallData {
  callId: string;
  link: string;
}

/**
 * `cmd=event` → an event for that user's leg.
 *
 *   incoming:  INCOMING (one per user rung) ─► ACCEPTED ─► COMPLETED | TRANSFERRED
 *                                  └────────► CANCELLED (gave up, or another user answered)
 *   outgoing:  OUTGOING ─► ACCEPTED ─► COMPLETED | CANCELLED
 *
 * Events carry no time, so the hub takes them in arrival order; `history` settles the call.
 * The direction is the push's own `direction` (newer PBXs), else what the call's first event said.
 */
export function eventToRequest(
  push: ItoolabsEventPush,
  known: 'in' | 'out' | undefined,
  extOfLogin: ReadonlyMap<string, string>,
): { event?: VoipWebhookRequest; direction: 'in' | 'out' } {
  const type = eventType(push.type) as ItoolabsEventType;
  const stated = (push.direction ?? '').trim().toLowerCase();
  const direction: 'in' | 'out' =
    stated === 'in' || stated === 'out' ? stated : (known ?? (type === 'OUTGOING' ? 'out' : 'in'));
  const agent = agentOf(push, extOfLogin);
  const client = (push.phone ?? '').trim();
  if (!agent) return { direction };
  const [kind, disposition] = (
    {
      INCOMING: [VoipWebhookEvent.NotifyStart, VoipCallDisposition.Unknown],
      OUTGOING: [VoipWebhookEvent.NotifyStart, VoipCallDisposition.Unknown],
      ACCEPTED: [VoipWebhookEvent.NotifyAnswer, VoipCallDisposition.Unknown],
      COMPLETED: [VoipWebhookEvent.NotifyEnd, VoipCallDisposition.Answered],
      // The user talked, then handed the client over: their leg ends as a conversation.
      TRANSFERRED: [VoipWebhookEvent.NotifyEnd, VoipCallDisposition.Answered],
      CANCELLED: [VoipWebhookEvent.NotifyEnd, VoipCallDisposition.Cancel],
    } as const
  )[type];
  const inbound = direction === 'in';
  return {
    direction,
    event: {
      event: kind,
      direction: inbound ? VoipCallDirection.In : VoipCallDirection.Out,
      srcPhone: inbound ? client || 'anonymous' : agent,
      dstPhone: inbound ? agent : client || 'unknown',
      disposition,
      callId: push.callid,
    },
  };
}

/** `history.status`, lower-cased: the sources spell it `Success`, `missed`, `Missed`, `Cancel`… (§3.3). */
const STATUSES: ReadonlyMap<string, VoipCallDisposition> = new Map([
  ['success', VoipCallDisposition.Answered],
  ['missed', VoipCallDisposition.NoAnswer],
  ['cancel', VoipCallDisposition.Cancel],
  ['busy', VoipCallDisposition.Busy],
  ['notavailable', VoipCallDisposition.NoAnswer],
  ['notfound', VoipCallDisposition.NoAnswer],
  ['notallowed', VoipCallDisposition.Unknown],
]);

export function historyDisposition(status: string | undefined): VoipCallDisposition {
  return (
    STATUSES.get(
      (status ?? '')
        .trim()
        .toLowerCase()
        .replace(/[\s_-]/g, ''),
    ) ?? VoipCallDisposition.Unknown
  );
}

function seconds(value: string | number | undefined): number {
  const n = typeof value === 'number' ? value : /^\s*\d{1,9}\s*$/.test(value ?? '') ? Number(value) : 0;
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** `cmd=history` → the call record's base and its call data. */
export function historyToRecord(
  push: ItoolabsHistoryPush,
  extOfLogin: ReadonlyMap<string, string>,
): { record: NonNullable<ItoolabsCallState['record']>; call: ItoolabsCallData | null } {
  const disposition = historyDisposition(push.status);
  const agent = agentOf(push, extOfLogin) ?? ((push.diversion ?? '').trim() || 'unknown');
  const client = (push.phone ?? '').trim();
  const out = (push.type ?? '').trim().toLowerCase() === 'out';
  const link = (push.link ?? '').trim();
  return {
    record: {
      srcPhone: out ? agent : client || 'anonymous',
      dstPhone: out ? client || 'unknown' : agent,
      direction: out ? VoipCallDirection.Out : VoipCallDirection.In,
      duration: disposition === VoipCallDisposition.Answered ? seconds(push.duration) : 0,
      disposition,
      callId: push.callid,
    },
    call: /^https?:\/\//.test(link) ? { callId: push.callid, link } : null,
  };
}

/** A row of the history API, for a call whose `history` push never came. */
export function historyRowToRecord(
  row: ItoolabsHistoryRow,
  extOfLogin: ReadonlyMap<string, string>,
): { record: NonNullable<ItoolabsCallState['record']>; call: ItoolabsCallData | null } {
  const type = row.type.trim().toLowerCase();
  const status = row.status ?? (type === 'missed' ? 'missed' : row.duration > 0 ? 'Success' : 'missed');
  return historyToRecord(
    {
      cmd: 'history',
      type: type === 'out' ? 'out' : 'in',
      status,
      phone: row.client,
      user: row.account,
      duration: String(row.duration),
      link: row.record,
      callid: row.uid,
      crm_token: '',
    },
    extOfLogin,
  );
}

/** The record with what is known: its recording and the client's rating. */
export function recordOf(state: ItoolabsCallState): VoipCallRecord | undefined {
  if (!state.record) return undefined;
  return {
    ...state.record,
    call: state.call ?? null,
    ...(state.rating === undefined ? {} : { details: { rating: state.rating } }),
  };
}

/** A rating as the number it is (`"5"`); anything else is undefined. */
export function ratingOf(value: string | undefined): number | undefined {
  const n = /^\s*-?\d{1,3}(\.\d+)?\s*$/.test(value ?? '') ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function reject(status: number, error: string): ItoolabsInput {
  return { ok: false, error, response: new HttpResponse().status(status).json({ error }) };
}
