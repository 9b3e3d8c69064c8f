/**
 * The call events `deploy/kamailio/kamailio.cfg` posts: verification and parsing. Pure: no clock, no I/O.
 * What must survive between events (when a dialog was answered, a click-to-call's request) is passed in
 * and handed back; the connector keeps it in the module storage.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  HttpResponse,
  HttpStatusCode,
  VoipCallDirection,
  VoipCallDisposition,
  VoipWebhookEvent,
} from '../../contract/index.js';
import type { FetchRequest, VoipCallRecord, VoipGenerateCallResult, VoipWebhookRequest } from '../../contract/index.js';
import { KAMAILIO_EVENTS, KAMAILIO_REASONS } from './kamailio-types.js';
import type { KamailioEvent } from './kamailio-types.js';

export const SECRET_HEADER = 'X-Switchboard-Secret';

export type KamailioInput = { ok: true; event: KamailioEvent } | { ok: false; response: HttpResponse; error: string };

/** Checks the shared secret (constant time) and the event's shape. */
export function readKamailioEvent(request: FetchRequest, secret: string): KamailioInput {
  const path = `/${request.path.split('/').filter(Boolean).join('/')}`;
  if (path !== '/') return reject(HttpStatusCode.NOT_FOUND, `Kamailio posts to the webhook URL itself, not ${path}`);
  if (request.method.toUpperCase() !== 'POST') {
    return reject(HttpStatusCode.METHOD_NOT_ALLOWED, `Kamailio's events are POST, got ${request.method}`);
  }
  const given = request.headers[SECRET_HEADER];
  if (given === undefined || !sameText(given, secret)) {
    return reject(
      HttpStatusCode.UNAUTHORIZED,
      `Wrong or missing ${SECRET_HEADER}: restart \`switchboard pbx kamailio\` after changing the shared secret`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(request.body ?? '');
  } catch {
    return reject(HttpStatusCode.BAD_REQUEST, 'The body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return reject(HttpStatusCode.BAD_REQUEST, 'The body is not a JSON object');
  }
  const raw = body as Record<string, unknown>;
  if (!(KAMAILIO_EVENTS as readonly unknown[]).includes(raw.event)) {
    return reject(HttpStatusCode.BAD_REQUEST, `Unknown event ${(JSON.stringify(raw.event) ?? 'missing').slice(0, 40)}`);
  }
  for (const key of ['callId', 'from', 'to', 'time'] as const) {
    if (typeof raw[key] !== 'string' || raw[key] === '' || (raw[key] as string).length > 200) {
      return reject(HttpStatusCode.BAD_REQUEST, `"${key}" must be a non-empty string`);
    }
  }
  if (eventTimeMs(raw.time as string) === undefined) {
    return reject(HttpStatusCode.BAD_REQUEST, '"time" must be seconds.microseconds since 1970');
  }
  if (raw.event === 'ended') {
    if (typeof raw.code !== 'number' || !Number.isInteger(raw.code) || raw.code < 100 || raw.code > 699) {
      return reject(HttpStatusCode.BAD_REQUEST, 'An ended event needs the SIP "code" (100-699)');
    }
    if (!(KAMAILIO_REASONS as readonly unknown[]).includes(raw.reason)) {
      return reject(HttpStatusCode.BAD_REQUEST, 'An ended event needs a known "reason"');
    }
  }
  if (raw.hungUpBy !== undefined && raw.hungUpBy !== 'caller' && raw.hungUpBy !== 'callee') {
    return reject(HttpStatusCode.BAD_REQUEST, '"hungUpBy" must be caller or callee');
  }
  if (raw.clickToCall !== undefined && (typeof raw.clickToCall !== 'string' || raw.clickToCall.length > 100)) {
    return reject(HttpStatusCode.BAD_REQUEST, '"clickToCall" must be a string');
  }
  if (raw.leg !== undefined && raw.leg !== 'employee' && raw.leg !== 'client') {
    return reject(HttpStatusCode.BAD_REQUEST, '"leg" must be employee or client');
  }
  if (raw.recorded !== undefined && typeof raw.recorded !== 'boolean') {
    return reject(HttpStatusCode.BAD_REQUEST, '"recorded" must be true or false');
  }
  return { ok: true, event: raw as unknown as KamailioEvent };
}

/** `$TV(Sn)` ("1796229960.103180") in Unix milliseconds. */
export function eventTimeMs(time: string): number | undefined {
  if (!/^\d{9,11}(\.\d{1,6})?$/.test(time)) return undefined;
  return Math.round(Number(time) * 1000);
}

/** What is kept per dialog between its events. */
export interface KamailioCallState {
  answeredAt?: number;
  /** Set by the dialog's "ended": a repeated delivery after it reports nothing. */
  endedAt?: number;
}

/** A click-to-call we asked for, under the id sent to POST /calls. */
export interface PendingClickToCall {
  src: string;
  dst: string;
  /** The PBX's answer was reported (the employee picked up, or did not). */
  reported?: boolean;
}

/** What an event turns into, with the dialog's state to keep (`undefined`: forget it). */
export interface KamailioOutcome {
  event?: VoipWebhookRequest;
  callRecord?: VoipCallRecord;
  generateCallResult?: VoipGenerateCallResult;
  state?: KamailioCallState;
}

/** The opaque `call` of a record: what `VoipGetCallLink` needs to find the recording. */
export interface KamailioCallData {
  sipCallId: string;
  recorded: boolean;
}

export function dispositionOf(event: KamailioEvent, answered: boolean): VoipCallDisposition {
  if (answered) return VoipCallDisposition.Answered;
  switch (event.reason) {
    case 'cancelled':
      return VoipCallDisposition.Cancel;
    case 'busy':
      return VoipCallDisposition.Busy;
    case 'no_answer':
    case 'not_registered':
      return VoipCallDisposition.NoAnswer;
    default:
      return VoipCallDisposition.Unknown;
  }
}

/**
 * Folds one event into the hub's input. A call between extensions is incoming to the called one; a click-to-call is the
 * employee calling out, one call under the click-to-call id across its two dialogs: Kamailio ringing the
 * employee (its "ended" after the REFER is not the call's end) and the employee's call to the client.
 */
export function foldEvent(
  event: KamailioEvent,
  state: KamailioCallState | undefined,
  pending: PendingClickToCall | undefined,
): KamailioOutcome {
  const at = eventTimeMs(event.time) as number;
  if (state?.endedAt !== undefined) return {};
  const clickToCall = event.clickToCall ? event.leg : undefined;
  const callId = clickToCall ? `c2c-${event.clickToCall}` : event.callId;
  // A call between extensions is reported as incoming to the called extension: the hub shows its popup
  // there and counts it as missed when not answered (the hub counts missed calls on incoming calls only).
  const direction = clickToCall ? VoipCallDirection.Out : VoipCallDirection.In;
  const base = {
    direction,
    srcPhone: event.from,
    dstPhone: pending?.dst ?? event.to,
    callId,
    occurredAt: new Date(at).toISOString(),
  };

  if (clickToCall === 'employee') {
    if (event.event === 'ringing') {
      return { event: { ...base, event: VoipWebhookEvent.NotifyStart, disposition: VoipCallDisposition.Unknown } };
    }
    if (event.event === 'answered') {
      return pending && !pending.reported
        ? { generateCallResult: { srcPhone: pending.src, dstPhone: pending.dst, success: true }, state: {} }
        : { state: {} };
    }
    // The employee's dialog ends with a BYE once it follows the REFER; only a failure ends the call.
    if (event.reason === 'hangup') return { state: { endedAt: at } };
    const disposition = dispositionOf(event, false);
    return {
      state: { endedAt: at },
      event: { ...base, event: VoipWebhookEvent.NotifyEnd, disposition },
      callRecord: { ...recordBase(base), duration: 0, disposition, call: { sipCallId: event.callId, recorded: false } },
      ...(pending && !pending.reported
        ? {
            generateCallResult: {
              srcPhone: pending.src,
              dstPhone: pending.dst,
              success: false,
              failReason: `Extension ${event.from} did not pick up (${event.reason}, SIP ${event.code})`,
            },
          }
        : {}),
    };
  }

  if (event.event === 'ringing') {
    if (clickToCall === 'client') return { state: {} };
    return {
      event: { ...base, event: VoipWebhookEvent.NotifyStart, disposition: VoipCallDisposition.Unknown },
      state: {},
    };
  }
  if (event.event === 'answered') {
    return {
      event: { ...base, event: VoipWebhookEvent.NotifyAnswer, disposition: VoipCallDisposition.Answered },
      state: { ...state, answeredAt: state?.answeredAt ?? at },
    };
  }
  const answeredAt = state?.answeredAt;
  const disposition = dispositionOf(event, answeredAt !== undefined && event.reason === 'hangup');
  const duration = answeredAt !== undefined ? Math.max(0, Math.round((at - answeredAt) / 1000)) : 0;
  const details: Record<string, string | number> = { sipCode: event.code ?? 0, reason: event.reason ?? 'hangup' };
  if (event.hungUpBy) details.hungUpBy = event.hungUpBy;
  return {
    state: { ...state, endedAt: at },
    event: { ...base, event: VoipWebhookEvent.NotifyEnd, disposition },
    callRecord: {
      ...recordBase(base),
      duration,
      disposition,
      call: { sipCallId: event.callId, recorded: event.recorded === true && duration > 0 } satisfies KamailioCallData,
      details,
    },
  };
}

function recordBase(base: { direction: VoipCallDirection; srcPhone: string; dstPhone: string; callId: string }) {
  return { srcPhone: base.srcPhone, dstPhone: base.dstPhone, direction: base.direction, callId: base.callId };
}

function reject(status: number, error: string): KamailioInput {
  return { ok: false, response: new HttpResponse().status(status).json({ error }), error };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
