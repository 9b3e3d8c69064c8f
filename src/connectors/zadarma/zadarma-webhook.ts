/**
 * Zadarma notifications: verification and parsing. Pure: no clock, no I/O. What must survive between
 * notifications (a call's record waiting for its recording) is passed in and handed back; the
 * connector keeps it in the module storage.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  HttpResponse,
  HttpStatusCode,
  VoipCallDirection,
  VoipCallDisposition,
  VoipWebhookEvent,
} from '../../contract/index.js';
import type { FetchRequest, VoipCallRecord, VoipWebhookRequest } from '../../contract/index.js';
import { ZADARMA_EVENTS } from './zadarma-types.js';
import type { ZadarmaEventName, ZadarmaNotifyFields } from './zadarma-types.js';

// ---------------------------------------------------------------------------------------------
// Signatures

/**
 * `base64_encode(hash_hmac('sha1', text, secret))`: PHP's hash_hmac returns lowercase hex, so this is
 * base64 of the 40-character hex string, not of the 20 raw bytes (official PHP client, doc example).
 * `raw` is the variant of the official TypeScript client (`digest('base64')`).
 */
export function zadarmaHmac(text: string, secret: string, variant: 'hex' | 'raw' = 'hex'): string {
  const hmac = createHmac('sha1', secret).update(text);
  return variant === 'hex' ? Buffer.from(hmac.digest('hex')).toString('base64') : hmac.digest('base64');
}

/** PHP `http_build_query(..., PHP_QUERY_RFC1738)`: like urlencode, spaces as `+`, `*~!'()` escaped. */
export function rfc1738(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** The parameters sorted by key and joined as PHP's http_build_query does (API §Authorization). */
export function zadarmaParamString(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((key) => `${rfc1738(key)}=${rfc1738(params[key] ?? '')}`)
    .join('&');
}

/** The `Authorization` header's signature: base64(hex HMAC-SHA1(method + params + md5(params))). */
export function zadarmaApiSignature(method: string, paramString: string, secret: string): string {
  const md5 = createHash('md5').update(paramString).digest('hex');
  return zadarmaHmac(method + paramString + md5, secret);
}

/** The fields each notification's `Signature` is made of, concatenated in this order (webhook doc, PHP `getSignatureString`). */
export const SIGNED_FIELDS: Record<ZadarmaEventName, Array<keyof ZadarmaNotifyFields>> = {
  NOTIFY_START: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_INTERNAL: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_END: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_IVR: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_ANSWER: ['caller_id', 'destination', 'call_start'],
  NOTIFY_OUT_START: ['internal', 'destination', 'call_start'],
  NOTIFY_OUT_END: ['internal', 'destination', 'call_start'],
  NOTIFY_RECORD: ['pbx_call_id', 'call_id_with_rec'],
};

/** The string a notification's signature covers. */
export function signedString(event: ZadarmaEventName, fields: Record<string, string | undefined>): string {
  return SIGNED_FIELDS[event].map((name) => fields[name] ?? '').join('');
}

// ---------------------------------------------------------------------------------------------
// Reading a request

export type ZadarmaInput =
  | { ok: true; kind: 'echo'; response: HttpResponse }
  | { ok: true; kind: 'notification'; payload: ZadarmaNotifyFields }
  | { ok: true; kind: 'ignored'; event: string }
  | { ok: false; response: HttpResponse; error: string };

/** The `zd_echo` values we echo: Zadarma sends a random token; anything else is not reflected back. */
const ECHO = /^[A-Za-z0-9_.-]{1,128}$/;

/** The fields each event needs to make sense of it; without them the notification is refused with 400. */
const REQUIRED: Record<ZadarmaEventName, Array<keyof ZadarmaNotifyFields>> = {
  NOTIFY_START: ['pbx_call_id', 'caller_id', 'call_start'],
  NOTIFY_INTERNAL: ['pbx_call_id', 'caller_id', 'internal', 'call_start'],
  NOTIFY_ANSWER: ['pbx_call_id', 'caller_id', 'internal', 'call_start'],
  NOTIFY_END: ['pbx_call_id', 'caller_id', 'call_start'],
  NOTIFY_OUT_START: ['pbx_call_id', 'internal', 'destination', 'call_start'],
  NOTIFY_OUT_END: ['pbx_call_id', 'internal', 'destination', 'call_start'],
  NOTIFY_RECORD: ['pbx_call_id', 'call_id_with_rec'],
  NOTIFY_IVR: ['pbx_call_id', 'call_start'],
};

/**
 * Checks a request from Zadarma and decodes it.
 * - `zd_echo` (query or form, sent when the URL is saved): answered with the value as the body.
 * - Otherwise a form post with `event`, signed in the `Signature` header over that event's fields.
 * - A signed-looking event we do not know (the other hook URL's NUMBER_LOOKUP, SMS, …) is `ignored`:
 *   its signed fields are not documented for this URL, so it cannot be checked, and it carries no call.
 */
export function readZadarmaRequest(
  request: FetchRequest,
  settings: { apiSecret: string; acceptRawDigestSignature: boolean },
): ZadarmaInput {
  const path = `/${request.path.split('/').filter(Boolean).join('/')}`;
  if (path !== '/')
    return reject(HttpStatusCode.NOT_FOUND, `Zadarma notifications go to the webhook URL itself, not ${path}`);
  const method = request.method.toUpperCase();
  const contentType = (request.headers['Content-Type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const form =
    contentType === 'application/x-www-form-urlencoded' ? new URLSearchParams(request.body ?? '') : undefined;

  const echo = request.query.zd_echo ?? form?.get('zd_echo') ?? undefined;
  if (echo !== undefined && (method === 'GET' || method === 'POST')) {
    if (!ECHO.test(echo))
      return reject(HttpStatusCode.BAD_REQUEST, 'zd_echo must be a short token of letters and digits');
    return {
      ok: true,
      kind: 'echo',
      response: new HttpResponse().header('Content-Type', 'text/plain; charset=utf-8').content(echo),
    };
  }
  if (method !== 'POST') {
    return reject(HttpStatusCode.METHOD_NOT_ALLOWED, `Zadarma notifications are POST requests, got ${request.method}`);
  }
  if (!form) {
    return reject(
      HttpStatusCode.BAD_REQUEST,
      `Expected an application/x-www-form-urlencoded body, got ${contentType || 'no content type'}`,
    );
  }
  const event = form.get('event');
  if (!event) return reject(HttpStatusCode.BAD_REQUEST, 'The form has no "event" field');
  if (!(ZADARMA_EVENTS as readonly string[]).includes(event)) {
    return /^[A-Z_]{1,40}$/.test(event)
      ? { ok: true, kind: 'ignored', event }
      : reject(HttpStatusCode.BAD_REQUEST, 'The "event" field is not a Zadarma event name');
  }
  const name = event as ZadarmaEventName;
  const fields: Record<string, string> = {};
  for (const [key, value] of form) if (!(key in fields)) fields[key] = value;

  const signature = request.headers.Signature?.trim();
  if (!signature) return reject(HttpStatusCode.UNAUTHORIZED, 'The notification has no Signature header');
  const text = signedString(name, fields);
  const valid =
    sameText(signature, zadarmaHmac(text, settings.apiSecret)) ||
    (settings.acceptRawDigestSignature && sameText(signature, zadarmaHmac(text, settings.apiSecret, 'raw')));
  if (!valid) {
    return reject(HttpStatusCode.UNAUTHORIZED, 'The Signature does not match: check the API secret in the settings');
  }
  const missing = REQUIRED[name].find((key) => !fields[key]?.trim());
  if (missing) return reject(HttpStatusCode.BAD_REQUEST, `${name} without "${missing}"`);
  return { ok: true, kind: 'notification', payload: { ...fields, event: name } as ZadarmaNotifyFields };
}

// ---------------------------------------------------------------------------------------------
// Events

/**
 * Dispositions of NOTIFY_END / NOTIFY_OUT_END (webhook doc, TS client `Stat.disposition`), read
 * case-insensitively. Billing refusals say nothing about the people, so they are Unknown.
 */
const DISPOSITIONS: ReadonlyMap<string, VoipCallDisposition> = new Map(
  Object.entries({
    answered: VoipCallDisposition.Answered,
    busy: VoipCallDisposition.Busy,
    cancel: VoipCallDisposition.Cancel,
    'no answer': VoipCallDisposition.NoAnswer,
    noanswer: VoipCallDisposition.NoAnswer,
    'unallocated number': VoipCallDisposition.NoAnswer,
    failed: VoipCallDisposition.Unknown,
    'no money': VoipCallDisposition.Unknown,
    'no limit': VoipCallDisposition.Unknown,
    'no day limit': VoipCallDisposition.Unknown,
    'line limit': VoipCallDisposition.Unknown,
    'no money, no limit': VoipCallDisposition.Unknown,
  }),
);

export function zadarmaDisposition(value: string | undefined): VoipCallDisposition {
  return DISPOSITIONS.get((value ?? '').trim().toLowerCase().replace(/_/g, ' ')) ?? VoipCallDisposition.Unknown;
}

/**
 * `call_start` ("YYYY-MM-DD HH:MM:SS", the account's wall-clock time) as Unix milliseconds. Zadarma
 * repeats the call's start in every event, so events are ordered by their stage: each adds its step
 * as milliseconds (start 0, ringing 1, answer 2, end 3), and an end adds the call's duration.
 */
export function callStartMs(callStart: string | undefined, utcOffsetMinutes: number): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec((callStart ?? '').trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) - utcOffsetMinutes * 60_000;
  return Number.isFinite(ms) ? ms : undefined;
}

const STEP: Record<ZadarmaEventName, number> = {
  NOTIFY_START: 0,
  NOTIFY_OUT_START: 0,
  NOTIFY_IVR: 0,
  NOTIFY_INTERNAL: 1,
  NOTIFY_ANSWER: 2,
  NOTIFY_END: 3,
  NOTIFY_OUT_END: 3,
  NOTIFY_RECORD: 3,
};

/** Seconds in a notification (`"42"`); anything else is 0. */
export function seconds(value: string | undefined): number {
  const n = /^\s*\d{1,9}\s*$/.test(value ?? '') ? Number(value) : 0;
  return Number.isSafeInteger(n) ? n : 0;
}

/** Extensions are 3–5 digits on Zadarma's PBX; a longer number is a phone number. */
export function isZadarmaExtension(value: string | undefined): boolean {
  return /^\d{1,5}$/.test((value ?? '').trim());
}

/**
 * One notification → at most one event for the hub, and for the end of a call the base of its record.
 *
 *   incoming:  NOTIFY_START ─► NOTIFY_INTERNAL (one per extension rung) ─► NOTIFY_ANSWER ─► NOTIFY_END
 *   outgoing:  NOTIFY_OUT_START ─────────────────────────────────────────────────────────► NOTIFY_OUT_END
 *                                                             (then, if recorded) NOTIFY_RECORD
 *
 * NOTIFY_START and NOTIFY_END name no single extension (the END's `internal` is the one that answered,
 * or none), so they are about the whole call: `dstPhone` is our number (`called_did`), which is no
 * agent, and the hub ends every extension's ringing leg with the call.
 */
export function notificationEvent(p: ZadarmaNotifyFields, utcOffsetMinutes: number): VoipWebhookRequest | undefined {
  const start = callStartMs(p.call_start, utcOffsetMinutes);
  const at = (extraMs = 0) => (start === undefined ? {} : { occurredAt: start + extraMs + STEP[p.event] });
  const callId = p.pbx_call_id ?? '';
  const caller = (p.caller_id ?? '').trim();
  const ourNumber = (p.called_did ?? '').trim();
  const internal = (p.internal ?? '').trim();
  const destination = (p.destination ?? '').trim();
  const incoming = (
    event: VoipWebhookEvent,
    dstPhone: string,
    disposition = VoipCallDisposition.Unknown,
    extra = 0,
  ) => ({
    event,
    direction: VoipCallDirection.In,
    srcPhone: caller || 'anonymous',
    dstPhone: dstPhone || 'unknown',
    disposition,
    callId,
    ...at(extra),
  });
  const outgoing = (event: VoipWebhookEvent, disposition = VoipCallDisposition.Unknown, extra = 0) => ({
    event,
    direction: isZadarmaExtension(destination) ? VoipCallDirection.Internal : VoipCallDirection.Out,
    srcPhone: internal,
    dstPhone: destination,
    disposition,
    callId,
    ...at(extra),
  });
  switch (p.event) {
    case 'NOTIFY_START':
      return incoming(VoipWebhookEvent.NotifyStart, ourNumber);
    case 'NOTIFY_INTERNAL':
      return incoming(VoipWebhookEvent.NotifyStart, internal);
    case 'NOTIFY_ANSWER':
      return incoming(VoipWebhookEvent.NotifyAnswer, internal);
    case 'NOTIFY_END': {
      const disposition = zadarmaDisposition(p.disposition);
      const talked = disposition === VoipCallDisposition.Answered ? seconds(p.duration) * 1000 : 0;
      return incoming(VoipWebhookEvent.NotifyEnd, ourNumber, disposition, talked);
    }
    case 'NOTIFY_OUT_START':
      return outgoing(VoipWebhookEvent.NotifyStart);
    case 'NOTIFY_OUT_END': {
      const disposition = zadarmaDisposition(p.disposition);
      const talked = disposition === VoipCallDisposition.Answered ? seconds(p.duration) * 1000 : 0;
      return outgoing(VoipWebhookEvent.NotifyEnd, disposition, talked);
    }
    case 'NOTIFY_RECORD':
    case 'NOTIFY_IVR':
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Call records and recordings

/**
 * The opaque `call` data of our call records, handed back to `VoipGetCallLink`. `ready` turns true with
 * NOTIFY_RECORD: before it Zadarma may not have stored the file (the PHP client waits ~40 s). A call
 * without a recording has null instead, since the host counts non-empty data as recorded.
 */
export interface ZadarmaCallData {
  pbxCallId: string;
  recordId: string;
  ready: boolean;
}

export type ZadarmaRecordBase = Omit<VoipCallRecord, 'call'>;

/** What is kept per call (`pbx_call_id`) while its end and its recording arrive in either order. */
export interface ZadarmaCallState {
  record?: ZadarmaRecordBase;
  recordId?: string;
  ready?: boolean;
}

/** NOTIFY_END / NOTIFY_OUT_END → the call record, without the `call` data. */
export function endToRecord(p: ZadarmaNotifyFields): ZadarmaRecordBase {
  const disposition = zadarmaDisposition(p.disposition);
  const duration = disposition === VoipCallDisposition.Answered ? seconds(p.duration) : 0;
  const internal = (p.internal ?? '').trim();
  if (p.event === 'NOTIFY_END') {
    return {
      srcPhone: (p.caller_id ?? '').trim() || 'anonymous',
      dstPhone: internal || (p.called_did ?? '').trim() || 'unknown',
      direction: VoipCallDirection.In,
      duration,
      disposition,
      callId: p.pbx_call_id ?? '',
    };
  }
  const destination = (p.destination ?? '').trim();
  return {
    srcPhone: internal,
    dstPhone: destination,
    direction: isZadarmaExtension(destination) ? VoipCallDirection.Internal : VoipCallDirection.Out,
    duration,
    disposition,
    callId: p.pbx_call_id ?? '',
  };
}

export interface ZadarmaCallOutcome {
  state: ZadarmaCallState;
  callRecord?: VoipCallRecord;
}

/**
 * Folds an end or a NOTIFY_RECORD into the call's state. The record is emitted once the end is known,
 * and again when its recording becomes ready. An end reports a recording (`is_recorded=1`) before the
 * file exists; NOTIFY_RECORD says it is stored.
 */
export function reduceCall(state: ZadarmaCallState | undefined, p: ZadarmaNotifyFields): ZadarmaCallOutcome {
  const next: ZadarmaCallState = { ...state };
  const recordId = (p.call_id_with_rec ?? '').trim();
  if (p.event === 'NOTIFY_RECORD') {
    if (recordId) Object.assign(next, { recordId: next.recordId ?? recordId, ready: true });
  } else {
    next.record = endToRecord(p);
    if (p.is_recorded === '1' && recordId && !next.recordId) next.recordId = recordId;
  }
  if (!next.record) return { state: next };
  const call: ZadarmaCallData | null = next.recordId
    ? { pbxCallId: p.pbx_call_id ?? '', recordId: next.recordId, ready: Boolean(next.ready) }
    : null;
  return { state: next, callRecord: { ...next.record, call } };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function reject(status: number, error: string): ZadarmaInput {
  return { ok: false, error, response: new HttpResponse().status(status).json({ error }) };
}
