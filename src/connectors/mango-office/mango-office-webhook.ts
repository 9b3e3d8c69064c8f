/**
 * Mango Office notifications: verification and parsing. Pure: no clock, no I/O.
 * What must survive between notifications (a leg's last `seq`, a call's summary waiting for its
 * recording) is passed in and handed back; the connector keeps it in the module storage.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  HttpResponse,
  HttpStatusCode,
  VoipCallDirection,
  VoipCallDisposition,
  VoipWebhookEvent,
} from '../../contract/index.js';
import type { FetchRequest, HeaderMap, VoipCallRecord, VoipWebhookRequest } from '../../contract/index.js';
import type { MangoSettings } from './mango-office-settings.js';
import type {
  MangoCallEvent,
  MangoCallState,
  MangoCommandResult,
  MangoParty,
  MangoRecordAddedEvent,
  MangoRecordingEvent,
  MangoSummaryEvent,
} from './mango-office-types.js';

/** Our callbacks' `command_id`s start with this, so their legs are recognised without storage. */
export const MANGO_CALLBACK_PREFIX = 'switchboard-callback-';

/** `sha256(vpbx_api_key + json + vpbx_api_salt)`, lowercase hex, over the exact `json` string (§2.4.3). */
export function signMango(apiKey: string, json: string, apiSalt: string): string {
  return createHash('sha256')
    .update(apiKey + json + apiSalt)
    .digest('hex');
}

export type MangoNotification =
  | { kind: 'call'; payload: MangoCallEvent }
  | { kind: 'summary'; payload: MangoSummaryEvent }
  | { kind: 'recording'; payload: MangoRecordingEvent }
  | { kind: 'record-added'; payload: MangoRecordAddedEvent }
  | { kind: 'result'; command: string; payload: MangoCommandResult }
  /** A path we do not handle (`/events/dtmf`, the cabinet's connection check, …): answered 200. */
  | { kind: 'other'; path: string };

export type MangoWebhookInput =
  { ok: true; notification: MangoNotification } | { ok: false; response: HttpResponse; error: string };

/**
 * Checks a request from Mango and decodes it. Every request must be a signed form post, as Mango signs
 * all of them (§2.4.3); a signed one on a path we do not handle (`/events/dtmf`, the cabinet's connection
 * check) is passed on as `other`, so it gets a 200, and anything unsigned gets a 4xx wherever it is sent.
 */
export function readMangoNotification(
  request: FetchRequest,
  settings: Pick<MangoSettings, 'apiKey' | 'apiSalt' | 'allowedIps'>,
): MangoWebhookInput {
  const path = `/${request.path.split('/').filter(Boolean).join('/')}`;
  if (settings.allowedIps.length > 0) {
    const ip = clientIp(request.headers);
    if (!ip || !settings.allowedIps.includes(ip)) {
      return reject(
        HttpStatusCode.FORBIDDEN,
        `Notification from ${ip ?? 'an unknown address'}, which is not in the allowed IP addresses`,
      );
    }
  }
  if (request.method.toUpperCase() !== 'POST') {
    return reject(HttpStatusCode.METHOD_NOT_ALLOWED, `Mango notifications are POST requests, got ${request.method}`);
  }
  const contentType = (request.headers['Content-Type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') {
    return reject(
      HttpStatusCode.BAD_REQUEST,
      `Expected an application/x-www-form-urlencoded body, got ${contentType || 'no content type'}`,
    );
  }

  const form = new URLSearchParams(request.body ?? '');
  const fields = { vpbx_api_key: form.get('vpbx_api_key'), sign: form.get('sign'), json: form.get('json') };
  const missing = Object.entries(fields).find(([, value]) => value === null);
  if (missing) return reject(HttpStatusCode.BAD_REQUEST, `The form has no "${missing[0]}" field`);
  const { vpbx_api_key: key, sign, json } = fields as Record<keyof typeof fields, string>;
  if (!sameText(key, settings.apiKey)) {
    return reject(
      HttpStatusCode.UNAUTHORIZED,
      'Unknown vpbx_api_key: the notification is for another PBX, or the key in the settings is wrong',
    );
  }
  if (!sameText(sign.toLowerCase(), signMango(key, json, settings.apiSalt))) {
    return reject(
      HttpStatusCode.UNAUTHORIZED,
      'The signature does not match: check the signature key (vpbx_api_salt) in the settings',
    );
  }

  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    return reject(HttpStatusCode.BAD_REQUEST, 'The "json" field is not valid JSON');
  }
  if (!isRecord(payload)) return reject(HttpStatusCode.BAD_REQUEST, 'The "json" field is not a JSON object');

  const problem = missingFields(path, payload);
  if (problem) return reject(HttpStatusCode.BAD_REQUEST, `${path}: ${problem}`);
  // Ids are strings in the field tables, but a number must not turn into a different storage key.
  for (const name of ['entry_id', 'call_id', 'recording_id']) {
    if (typeof payload[name] === 'number') payload[name] = String(payload[name]);
  }
  return { ok: true, notification: classify(path, payload) };
}

function classify(path: string, payload: Record<string, unknown>): MangoNotification {
  switch (path) {
    case '/events/call':
      return { kind: 'call', payload: payload as unknown as MangoCallEvent };
    case '/events/summary':
      return { kind: 'summary', payload: payload as unknown as MangoSummaryEvent };
    case '/events/recording':
      return { kind: 'recording', payload: payload as unknown as MangoRecordingEvent };
    case '/events/record/added':
      return { kind: 'record-added', payload: payload as unknown as MangoRecordAddedEvent };
  }
  if (path.startsWith('/result/')) {
    return {
      kind: 'result',
      command: path.slice('/result/'.length),
      payload: payload as unknown as MangoCommandResult,
    };
  }
  return { kind: 'other', path };
}

const CALL_STATES: readonly MangoCallState[] = ['Appeared', 'Connected', 'OnHold', 'Disconnected'];

/** The fields the parser relies on, per path; a notification without them is refused with 400. */
function missingFields(path: string, p: Record<string, unknown>): string | undefined {
  const ids = (...names: string[]) => names.find((name) => !isId(p[name]));
  switch (path) {
    case '/events/call': {
      const id = ids('entry_id', 'call_id');
      if (id) return `"${id}" is missing`;
      if (!CALL_STATES.includes(p.call_state as MangoCallState)) {
        return `unknown call_state ${JSON.stringify(p.call_state)}`;
      }
      return toInt(p.seq) === undefined ? '"seq" is missing or not a number' : undefined;
    }
    case '/events/summary': {
      const id = ids('entry_id');
      return id ? `"${id}" is missing` : undefined;
    }
    case '/events/recording':
    case '/events/record/added': {
      const id = ids('entry_id', 'recording_id');
      return id ? `"${id}" is missing` : undefined;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Call legs

/** What is kept per leg (`call_id`) between its notifications. */
export interface MangoLegState {
  /** The highest `seq` applied; lower or equal ones are stale or duplicates (§3.1.2, "seq"). */
  seq: number;
  /** The leg reached `Connected` (or `OnHold`, which implies it). */
  connected: boolean;
}

export interface MangoLegOutcome {
  /** The leg's new state; absent when the notification was stale and nothing changed. */
  leg?: MangoLegState;
  event?: VoipWebhookRequest;
}

/**
 * One `/events/call` notification → at most one event for the agent on that leg.
 *
 *   Appeared ──► Connected ◄──► OnHold
 *      │             │
 *      └─────────────┴──────► Disconnected      (Mango, §3.1.2, "call_state")
 *
 * Appeared → NotifyStart, Connected → NotifyAnswer, Disconnected → NotifyEnd; OnHold emits nothing.
 * IVR and queue legs, and legs without an employee, emit nothing: the agents' legs and the
 * summary tell the story. A callback's first leg rings the employee; its `Connected` and its hand-over
 * to the client leg emit nothing, and the client leg's `Appeared` emits nothing (the call already started).
 */
export function reduceCallEvent(payload: MangoCallEvent, leg: MangoLegState | undefined): MangoLegOutcome {
  const seq = toInt(payload.seq) ?? 0;
  if (leg && seq <= leg.seq) return {};
  const wasConnected = leg?.connected ?? false;
  const next: MangoLegState = {
    seq,
    connected: wasConnected || payload.call_state === 'Connected' || payload.call_state === 'OnHold',
  };
  const view = viewLeg(payload);
  if (!view) return { leg: next };

  const emit = (event: VoipWebhookEvent, disposition = VoipCallDisposition.Unknown): MangoLegOutcome => ({
    leg: next,
    event: {
      event,
      direction: view.direction,
      srcPhone: view.srcPhone,
      dstPhone: view.dstPhone,
      disposition,
      callId: payload.entry_id,
      ...occurredAt(payload, seq),
    },
  });
  switch (payload.call_state) {
    case 'Appeared':
      return view.callback === 'client-leg' ? { leg: next } : emit(VoipWebhookEvent.NotifyStart);
    case 'Connected':
      return view.callback === 'employee-leg' ? { leg: next } : emit(VoipWebhookEvent.NotifyAnswer);
    case 'OnHold':
      return { leg: next };
    case 'Disconnected': {
      const reason = toInt(payload.disconnect_reason);
      if (view.callback === 'employee-leg') {
        return wasConnected ? { leg: next } : emit(VoipWebhookEvent.NotifyEnd, dispositionForReason(reason));
      }
      // Notifications arrive in parallel (§3.1.2): a Disconnected that skips unseen notifications of
      // this leg and ends like a conversation most likely overtook its Connected.
      const skipped = seq > (leg ? leg.seq + 1 : 2);
      const answered = wasConnected || (skipped && reason !== undefined && TALK_ENDINGS.has(reason));
      return emit(VoipWebhookEvent.NotifyEnd, answered ? VoipCallDisposition.Answered : dispositionForReason(reason));
    }
  }
}

/**
 * When the leg's state changed, for the host to order a call's legs by. `timestamp` has whole seconds
 * (§3.1.2), so the leg's `seq` is added as milliseconds: one leg's steps within a second keep their order.
 */
function occurredAt(payload: MangoCallEvent, seq: number): { occurredAt?: number } {
  const seconds = toInt(payload.timestamp);
  return seconds === undefined || seconds <= 0 ? {} : { occurredAt: seconds * 1000 + Math.min(seq, 999) };
}

interface LegView {
  direction: VoipCallDirection;
  srcPhone: string;
  dstPhone: string;
  /** A callback rings the employee first (`employee-leg`), then dials the client from them (`client-leg`). */
  callback?: 'employee-leg' | 'client-leg';
}

/** Who is the agent on a leg and which way it goes, by the parties' extensions (the contract's src/dst rules). */
function viewLeg(p: MangoCallEvent): LegView | undefined {
  const location = textOf(p.location) ?? '';
  if (location.startsWith('ivr') || location.startsWith('queue')) return undefined;
  const fromExt = extensionOf(p.from);
  const toExt = extensionOf(p.to);
  const isCallback = Boolean(p.callback_initiator) || Boolean(textOf(p.command_id)?.startsWith(MANGO_CALLBACK_PREFIX));
  // The callback's employee leg has the employee in `to` and the party to be called in `from` (PDF p.329).
  if (isCallback && toExt && !p.from?.taken_from_call_id) {
    const other = fromExt ?? numberOf(p.from) ?? '';
    return {
      direction: fromExt ? VoipCallDirection.Internal : VoipCallDirection.Out,
      srcPhone: toExt,
      dstPhone: other,
      callback: 'employee-leg',
    };
  }
  const callback = isCallback && fromExt && p.from?.taken_from_call_id ? 'client-leg' : undefined;
  if (fromExt && toExt) return { direction: VoipCallDirection.Internal, srcPhone: fromExt, dstPhone: toExt, callback };
  if (toExt) return { direction: VoipCallDirection.In, srcPhone: numberOf(p.from) ?? '', dstPhone: toExt, callback };
  if (fromExt) return { direction: VoipCallDirection.Out, srcPhone: fromExt, dstPhone: numberOf(p.to) ?? '', callback };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Disconnect reasons

/**
 * How a call or leg that never talked ended, by `disconnect_reason`.
 * Source: VPBX API v1.9, "Список кодов результатов" (pp. 322-327) and the classes in §3.1.2.
 */
const REASONS: ReadonlyMap<number, VoipCallDisposition> = new Map([
  [1000, VoipCallDisposition.Unknown], // success class: says nothing about the call
  [1100, VoipCallDisposition.Cancel], // normal clearing, no talk: withdrawn before an answer
  [1110, VoipCallDisposition.Cancel], // ended by the caller: gave up
  [1111, VoipCallDisposition.NoAnswer], // no answer within the timeout
  [1120, VoipCallDisposition.Busy], // ended by the callee while ringing: declined
  [1121, VoipCallDisposition.Busy], // busy
  [1122, VoipCallDisposition.Busy], // rejected by the callee
  [1123, VoipCallDisposition.Busy], // do not disturb
  [1124, VoipCallDisposition.Busy], // do not disturb (contact centre)
  [1130, VoipCallDisposition.Unknown], // restrictions on the called number
  [1131, VoipCallDisposition.NoAnswer], // number unavailable
  [1132, VoipCallDisposition.NoAnswer], // number not in service
  [1133, VoipCallDisposition.NoAnswer], // number does not exist
  [1140, VoipCallDisposition.Unknown], // region forbidden by the PBX settings
  [1150, VoipCallDisposition.Unknown], // caller restricted (black or white list)
  [1160, VoipCallDisposition.NoAnswer], // group call failed
  [1162, VoipCallDisposition.Busy], // queue full
  [1163, VoipCallDisposition.NoAnswer], // queue wait exceeded
  [1164, VoipCallDisposition.NoAnswer], // all operators unavailable
  [1170, VoipCallDisposition.NoAnswer], // ended by the forwarding scheme
  [1180, VoipCallDisposition.Cancel], // ended by a user command
  [1181, VoipCallDisposition.Cancel], // ended by an external system's command
  [1182, VoipCallDisposition.Cancel], // picked up by another operator: this leg was answered elsewhere
  [1183, VoipCallDisposition.Cancel], // another operator was assigned
  [1190, VoipCallDisposition.NoAnswer], // number inactive or outside its schedule
  [1193, VoipCallDisposition.Busy], // auto-reject while in a conversation
  [2000, VoipCallDisposition.Unknown], // billing restriction
  [3000, VoipCallDisposition.Unknown], // bad request
  [3200, VoipCallDisposition.NoAnswer], // wrong number
  [4000, VoipCallDisposition.Unknown], // action impossible
  [4200, VoipCallDisposition.NoAnswer], // party unreachable
  [5000, VoipCallDisposition.Unknown], // server error
]);

/** Reasons that also end a conversation; used only to read a Disconnected that overtook its Connected. */
const TALK_ENDINGS: ReadonlySet<number> = new Set([1100, 1110, 1120]);

/** An unknown code is read as its class, as the code list prescribes: 1119 → 1110 → 1100 → 1000. */
export function dispositionForReason(reason: number | undefined): VoipCallDisposition {
  if (reason === undefined) return VoipCallDisposition.Unknown;
  for (const step of [1, 10, 100, 1000]) {
    const found = REASONS.get(Math.floor(reason / step) * step);
    if (found) return found;
  }
  return VoipCallDisposition.Unknown;
}

// ---------------------------------------------------------------------------------------------
// Summary and recordings

/**
 * The opaque `call` data of our call records, handed back to `VoipGetCallLink`.
 * `playable` turns true after `/events/record/added`: before that Mango may not serve the file yet.
 * A call without a usable recording has null instead, since the host counts non-empty data as recorded.
 */
export interface MangoCallData {
  entryId: string;
  recordingId: string;
  playable: boolean;
}

export type MangoRecordBase = Omit<VoipCallRecord, 'call'>;

/** What is kept per call (`entry_id`) while its record and its recording arrive in either order. */
export interface MangoEntryState {
  record?: MangoRecordBase;
  recordingId?: string;
  playable?: boolean;
  /** The recording will never be playable: too short, account restricted, or sent by mail only. */
  lost?: boolean;
}

const DIRECTIONS: Record<number, VoipCallDirection> = {
  0: VoipCallDirection.Internal,
  1: VoipCallDirection.In,
  2: VoipCallDirection.Out,
};

/** `/events/summary` → the call record, without the `call` data. */
export function summaryToRecord(s: MangoSummaryEvent): MangoRecordBase {
  const fromExt = extensionOf(s.from);
  const toExt = extensionOf(s.to);
  const direction =
    DIRECTIONS[toInt(s.call_direction) ?? -1] ??
    (fromExt && toExt ? VoipCallDirection.Internal : fromExt ? VoipCallDirection.Out : VoipCallDirection.In);
  const talkTime = toInt(s.talk_time) ?? 0;
  const endTime = toInt(s.end_time) ?? 0;
  // The PDF's own IVR example reports entry_result 1 with talk_time 0, so talk_time decides.
  const talked = talkTime > 0;
  const phones =
    direction === VoipCallDirection.In
      ? { srcPhone: numberOf(s.from) ?? '', dstPhone: toExt ?? numberOf(s.to) ?? textOf(s.line_number) ?? '' }
      : direction === VoipCallDirection.Out
        ? { srcPhone: fromExt ?? numberOf(s.from) ?? '', dstPhone: numberOf(s.to) ?? toExt ?? '' }
        : { srcPhone: fromExt ?? numberOf(s.from) ?? '', dstPhone: toExt ?? numberOf(s.to) ?? '' };
  return {
    ...phones,
    direction,
    duration: talked ? Math.max(0, endTime - talkTime) : 0,
    disposition: talked ? VoipCallDisposition.Answered : dispositionForReason(toInt(s.disconnect_reason)),
    callId: s.entry_id,
  };
}

export type MangoEntryChange =
  { record: MangoRecordBase } | { recording: MangoRecordingEvent } | { recordAdded: MangoRecordAddedEvent };

export interface MangoEntryOutcome {
  /** Kept after the record is complete too, so a repeated summary still carries the recording. */
  state: MangoEntryState;
  callRecord?: VoipCallRecord;
}

/**
 * Folds a summary or a recording notification into the call's state. A call record is emitted once
 * the summary is known, and again each time the recording changes. The first recording of a call is
 * its recording; a later one replaces it only if the first was lost.
 */
export function reduceEntry(
  entryId: string,
  state: MangoEntryState | undefined,
  change: MangoEntryChange,
): MangoEntryOutcome {
  const next: MangoEntryState = { ...state };
  if ('record' in change) {
    next.record = change.record;
  } else {
    const recordingId = 'recording' in change ? change.recording.recording_id : change.recordAdded.recording_id;
    if (next.recordingId && next.recordingId !== recordingId && !next.lost) return { state: next };
    if (next.recordingId !== recordingId) Object.assign(next, { recordingId, playable: false, lost: false });
    if ('recordAdded' in change) next.playable = true;
    else if (isLostRecording(change.recording)) next.lost = true;
  }
  const outcome: MangoEntryOutcome = { state: next };
  if (next.record) {
    // The host marks a call recorded when its `call` data is not empty, so a call without a usable
    // recording carries null: "recorded" then means a recording exists, playable or still being stored.
    const call: MangoCallData | null =
      next.recordingId !== undefined && !next.lost
        ? { entryId, recordingId: next.recordingId, playable: Boolean(next.playable) }
        : null;
    outcome.callRecord = { ...next.record, call };
  }
  return outcome;
}

function isLostRecording(r: MangoRecordingEvent): boolean {
  if (r.recording_state !== 'Completed') return false;
  const code = toInt(r.completion_code);
  return (code !== undefined && Math.floor(code / 1000) !== 1) || r.recipient === 'Mail';
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A whole number, or a string of digits (the PDF sends both); anything else is no number. */
export function toInt(value: unknown): number | undefined {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * A text field as text, a number as its digits; anything else (an object where text belongs) counts as
 * absent, so an odd payload yields an event with less in it instead of a crash or an invalid event.
 */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

function extensionOf(party: Pick<MangoParty, 'extension'> | undefined): string | undefined {
  return textOf(party?.extension);
}

function numberOf(party: Pick<MangoParty, 'number'> | undefined): string | undefined {
  return textOf(party?.number);
}

function isId(value: unknown): boolean {
  return (typeof value === 'string' && value !== '') || typeof value === 'number';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** X-Real-IP (Switchboard sets it to the sender's address as it trusts it), else the last X-Forwarded-For hop. */
function clientIp(headers: HeaderMap): string | undefined {
  const raw = headers['X-Real-IP']?.trim() || headers['X-Forwarded-For']?.split(',').at(-1)?.trim();
  return raw ? raw.replace(/^::ffff:/, '') : undefined;
}

function reject(status: number, error: string): MangoWebhookInput {
  return { ok: false, error, response: new HttpResponse().status(status).json({ error }) };
}
