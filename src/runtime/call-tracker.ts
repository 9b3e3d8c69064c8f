/**
 * The call tracker: turns module events and call records into calls, agents' legs, a timeline and
 * notices for users. Pure: the caller loads the call (see `callLookup`), passes the time, stores the
 * result and delivers the notices.
 */
import { VoipCallDisposition } from '../contract/index.js';
import type { VoipCallRecord, VoipWebhookRequest } from '../contract/index.js';
import type { Call, CallLeg, LegOutcome } from '../storage/schema.js';
import { STEP_OF_EVENT, transition } from './call-state.js';
import type { IgnoreReason, TrackState, TrackStep } from './call-state.js';
import type { Parties } from './user-resolution.js';

/** A call with its agents' legs, in the order they were first seen. */
export interface CallSnapshot {
  call: Call;
  legs: CallLeg[];
}

/** One thing a module reported; `parties` come from `resolveParties`, `at` is the receive time (ISO-8601 UTC). */
/** `webhookId`: the inbox row it came from, so a row handled again after a crash is not applied twice. */
export type TrackerInput =
  | { kind: 'event'; event: VoipWebhookRequest; parties: Parties; at: string; webhookId?: number }
  | { kind: 'record'; record: VoipCallRecord; parties: Parties; at: string; webhookId?: number };

export interface TrackerDeps {
  newId(): string;
  connectionId: string;
}

/** A row for `call_timeline`, before its `detail` is turned into JSON. */
export interface TrackerTimelineEntry {
  kind: string;
  at: string;
  detail: Record<string, unknown>;
}

export type CallNoticeType = 'call.ringing' | 'call.answered' | 'call.ended' | 'call.missed' | 'call.recorded';

/** Whom to tell what; the payload is the call itself, read by the receiver. */
export interface CallNotice {
  type: CallNoticeType;
  userIds: string[];
  /** Also every admin (missed calls). */
  toAdmins?: boolean;
}

export interface TrackerResult {
  snapshot: CallSnapshot;
  timeline: TrackerTimelineEntry[];
  notices: CallNotice[];
}

interface Work {
  call: Call;
  legs: CallLeg[];
  /** The call did not exist before this input. */
  isNew: boolean;
  at: string;
  deps: TrackerDeps;
  timeline: TrackerTimelineEntry[];
  notices: CallNotice[];
}

/**
 * Applies one event or call record to a call (`current`, or a new call when undefined) and says what
 * to store and whom to tell. Never throws for a duplicate, late or shuffled input: those land in the
 * timeline as `ignored.duplicate` / `ignored.out_of_order`.
 *
 * - An event with an agent extension moves that agent's leg by the table on `TrackState`; an event
 *   without one (IVR, queue, an unreported agent) moves the call itself. Such an end is the end of the
 *   whole call: every open leg ends with it.
 * - An agent's answer ends every other ringing leg as `answered_elsewhere`. The call ends when a leg
 *   ends and no leg is still ringing or talking; a talking leg that ends while another is open was
 *   `transferred`.
 * - An end with disposition Answered for a leg never seen answering counts as its answer.
 * - Owner: the last agent who answered, else the first agent rung. Users come from legs only.
 * - Missed: an incoming call whose disposition is not Answered. Disposition: Answered when anything
 *   answered, else what the ending event or record reported.
 * - A record (CDR) ends the call if it is open, sets its direction (and with it the client's number),
 *   stores `call` as JSON in `call_data`, sets
 *   `has_recording` when that data is not empty, and fixes duration and disposition; a leg is added for
 *   its agent if the call has none. Events for a call with a record are out of order; a later record
 *   with different content updates the call (keeping earlier non-empty call data).
 * - A call ended by its legs goes on when a provider-dated event reports a leg not seen before
 *   (`reopens`); `replayCall` feeds inputs in the provider's order, so such an event is dated later.
 * - Limits, by design: within a call a leg is known by its extension, so ringing the same agent twice
 *   (a transfer back) is not a new leg; a start that arrives after another agent answered is taken for
 *   a transfer, so the call stays open until that leg ends; times are receive times, and ones never
 *   observed stay null. Inputs must satisfy the contract's types (the intake validates module output).
 */
export function trackCall(current: CallSnapshot | undefined, input: TrackerInput, deps: TrackerDeps): TrackerResult {
  const work: Work = {
    call: current ? { ...current.call } : newCall(input, deps),
    legs: current ? current.legs.map((leg) => ({ ...leg })) : [],
    isNew: current === undefined,
    at: input.at,
    deps,
    timeline: [],
    notices: [],
  };
  if (input.kind === 'event') applyEvent(work, input.event, input.parties);
  else applyRecord(work, input.record, input.parties);
  return { snapshot: { call: work.call, legs: work.legs }, timeline: work.timeline, notices: work.notices };
}

/** The provider's call id, or null when missing or blank. */
export function externalCallId(input: { callId?: string }): string | null {
  const id = typeof input.callId === 'string' ? input.callId.trim() : '';
  return id === '' ? null : id;
}

function newCall(input: TrackerInput, deps: TrackerDeps): Call {
  const source = input.kind === 'event' ? input.event : input.record;
  return {
    id: deps.newId(),
    connection_id: deps.connectionId,
    external_id: externalCallId(source),
    direction: source.direction,
    status: 'ringing',
    missed: 0,
    disposition: VoipCallDisposition.Unknown,
    client_number: input.parties.clientNumber,
    src_phone: source.srcPhone,
    dst_phone: source.dstPhone,
    contact_id: null,
    owner_id: null,
    started_at: input.at,
    answered_at: null,
    ended_at: null,
    duration: null,
    call_data: null,
    has_recording: 0,
    origination_id: null,
    updated_at: input.at,
  };
}

function applyEvent(work: Work, event: VoipWebhookRequest, parties: Parties): void {
  const step = STEP_OF_EVENT[event.event];
  const detail = eventDetail(step, event, parties);
  const { call } = work;

  const extension = parties.agentExtension;
  if (call.status === 'ended' && reopens(work, event, extension)) {
    note(work, 'reopened', { after: call.ended_at, extension });
    call.status = work.legs.some((leg) => leg.status === 'talking') ? 'talking' : 'ringing';
    call.ended_at = null;
  }
  if (call.status === 'ended') {
    // Once a record arrived it is the last word, so even a repeated end is behind it.
    const move = transition('ended', step);
    const reason = call.call_data === null && 'ignore' in move ? move.ignore : 'out_of_order';
    return ignore(work, reason, { ...detail, state: 'ended' });
  }

  if (extension === null) {
    const from = work.isNew ? undefined : call.status;
    const move = transition(from, step);
    if ('ignore' in move) return ignore(work, move.ignore, { ...detail, state: from });
    note(work, `event.${step}`, detail);
    adopt(work, event, parties);
    if (move.to === 'talking') answer(work, null);
    if (move.to === 'ended') endCall(work, event.disposition);
    return;
  }

  const leg = work.legs.find((candidate) => candidate.extension === extension);
  const move = transition(leg?.status, step);
  if ('ignore' in move) return ignore(work, move.ignore, { ...detail, state: leg?.status });
  note(work, `event.${step}`, detail);
  adopt(work, event, parties);
  const target = leg ?? addLeg(work, extension, parties.agentUserId, move.to);
  if (move.to === 'ringing') notify(work, 'call.ringing', [target.user_id]);
  if (move.to === 'talking') answer(work, target);
  if (move.to === 'ended') endLeg(work, target, event.disposition);
}

/**
 * A call that ended because its known legs had ended goes on when the provider, by its own clock,
 * reports a leg not seen before after that end: with shuffled delivery the other agents' legs can
 * arrive after the first leg's end. Only provider-timed events reopen (arrival order proves nothing),
 * and never once a record summed the call up.
 */
function reopens(work: Work, event: VoipWebhookRequest, extension: string | null): boolean {
  if (event.occurredAt === undefined || extension === null || work.call.call_data !== null) return false;
  return !work.legs.some((leg) => leg.extension === extension);
}

/** Fills what the first input could not know: the provider's id, the client's number. */
function adopt(work: Work, source: { callId?: string }, parties: Parties): void {
  const { call } = work;
  call.updated_at = work.at;
  if (call.external_id === null) call.external_id = externalCallId(source);
  if (call.client_number === '') call.client_number = parties.clientNumber;
}

function addLeg(work: Work, extension: string, userId: string | null, status: TrackState): CallLeg {
  const leg: CallLeg = {
    id: work.deps.newId(),
    call_id: work.call.id,
    extension,
    user_id: userId,
    status,
    outcome: null,
    rung_at: work.at,
    answered_at: null,
    ended_at: null,
  };
  work.legs.push(leg);
  if (work.call.owner_id === null && work.call.answered_at === null) work.call.owner_id = userId;
  return leg;
}

/**
 * Somebody picked up: `leg`, or an agent the module did not name. Only a named answer ends the other
 * ringing legs: the unnamed one may be one of them, and its own end must still find it open.
 */
function answer(work: Work, leg: CallLeg | null): void {
  const { call, at } = work;
  if (leg) {
    leg.status = 'talking';
    leg.answered_at ??= at;
    if (leg.user_id !== null) call.owner_id = leg.user_id;
    for (const other of work.legs) {
      if (other !== leg && other.status === 'ringing') closeLeg(other, 'answered_elsewhere', at);
    }
  }
  call.status = 'talking';
  call.answered_at ??= at;
  notify(work, 'call.answered', legUsers(work));
}

function endLeg(work: Work, leg: CallLeg, disposition: VoipCallDisposition): void {
  if (leg.answered_at === null && disposition === VoipCallDisposition.Answered) answer(work, leg);
  const othersOpen = work.legs.some((other) => other !== leg && other.status !== 'ended');
  const outcome: LegOutcome =
    leg.answered_at === null ? unansweredOutcome(disposition) : othersOpen ? 'transferred' : 'answered';
  closeLeg(leg, outcome, work.at);
  if (!othersOpen) endCall(work, disposition);
}

/** The whole call is over: open legs end with it, then disposition and missed are settled. */
function endCall(work: Work, reported: VoipCallDisposition): void {
  const { call, at } = work;
  for (const leg of work.legs) {
    if (leg.status === 'talking') closeLeg(leg, 'answered', at);
    if (leg.status === 'ringing') closeLeg(leg, unansweredOutcome(reported), at);
  }
  call.status = 'ended';
  call.ended_at = at;
  call.updated_at = at;
  notify(work, 'call.ended', legUsers(work));
  settle(work, reported);
  if (call.call_data === null) call.duration = talkSeconds(call);
}

/** Disposition and missed from what is known now; tells users and admins when the call becomes missed. */
function settle(work: Work, reported: VoipCallDisposition): void {
  const { call } = work;
  const wasMissed = call.missed === 1;
  call.disposition = finalDisposition(work, reported);
  call.missed = call.direction === 'in' && call.disposition !== VoipCallDisposition.Answered ? 1 : 0;
  if (call.missed === 1 && !wasMissed) notify(work, 'call.missed', legUsers(work), true);
}

function applyRecord(work: Work, record: VoipCallRecord, parties: Parties): void {
  const { call } = work;
  const data = serialise(record.call);
  const duration = wholeSeconds(record.duration);
  const detail = recordDetail(record, parties, duration, data);
  const keepsData = call.call_data !== null && isEmptyJson(data.json) && !isEmptyJson(call.call_data);
  const callData = keepsData ? call.call_data : data.json;
  // Details (a rating) are kept only in the timeline, so a record that brings them is always noted.
  const unchanged =
    record.details === undefined &&
    call.call_data !== null &&
    call.call_data === callData &&
    (duration === null || call.duration === duration) &&
    call.disposition === finalDisposition(work, record.disposition);
  if (unchanged) return ignore(work, 'duplicate', detail);

  note(work, 'record', detail);
  adopt(work, record, parties);
  // The record sums up the whole call. When the first event seen was a side leg (a consultation between
  // two agents delivered before the client's leg), the call took that leg's direction and numbers.
  if (record.direction !== call.direction) {
    call.direction = record.direction;
    call.client_number = parties.clientNumber;
    call.src_phone = record.srcPhone;
    call.dst_phone = record.dstPhone;
  }
  const extension = parties.agentExtension;
  if (extension !== null && !work.legs.some((leg) => leg.extension === extension)) {
    const leg = addLeg(work, extension, parties.agentUserId, 'ended');
    const answered = record.disposition === VoipCallDisposition.Answered;
    closeLeg(leg, answered ? 'answered' : unansweredOutcome(record.disposition), work.at);
    if (answered && leg.user_id !== null) call.owner_id = leg.user_id;
  }
  if (call.status !== 'ended') endCall(work, record.disposition);
  else settle(work, record.disposition);
  call.call_data = callData;
  call.has_recording = isEmptyJson(callData) ? 0 : 1;
  if (duration !== null) call.duration = duration;
  notify(work, 'call.recorded', [call.owner_id, ...legUsers(work)]);
}

function finalDisposition(work: Work, reported: VoipCallDisposition): VoipCallDisposition {
  const answered = work.call.answered_at !== null || work.legs.some((leg) => leg.outcome === 'answered');
  return answered ? VoipCallDisposition.Answered : reported;
}

/** How a leg that never answered ended, by the disposition reported. */
function unansweredOutcome(disposition: VoipCallDisposition): LegOutcome {
  switch (disposition) {
    case VoipCallDisposition.Answered:
      return 'answered_elsewhere';
    case VoipCallDisposition.Busy:
      return 'busy';
    case VoipCallDisposition.Cancel:
      return 'cancelled';
    default:
      return 'missed';
  }
}

function closeLeg(leg: CallLeg, outcome: LegOutcome, at: string): void {
  leg.status = 'ended';
  leg.outcome = outcome;
  leg.ended_at = at;
}

/** Whole seconds between answer and end; 0 when nobody answered, null when unknown. */
function talkSeconds(call: Call): number | null {
  if (call.answered_at === null) return call.disposition === VoipCallDisposition.Answered ? null : 0;
  const ms = Date.parse(call.ended_at ?? '') - Date.parse(call.answered_at);
  return Number.isFinite(ms) ? Math.max(0, Math.floor(ms / 1000)) : null;
}

/** A record's duration; scripts written for ELMA365 sometimes pass the PBX's string as is. */
function wholeSeconds(value: unknown): number | null {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds) : null;
}

function legUsers(work: Work): Array<string | null> {
  return work.legs.map((leg) => leg.user_id);
}

function notify(work: Work, type: CallNoticeType, users: Array<string | null>, toAdmins = false): void {
  const userIds = [...new Set(users.filter((user): user is string => user !== null))];
  if (userIds.length === 0 && !toAdmins) return;
  work.notices.push(toAdmins ? { type, userIds, toAdmins } : { type, userIds });
}

function note(work: Work, kind: string, detail: Record<string, unknown>): void {
  work.timeline.push({ kind, at: work.at, detail });
}

function ignore(work: Work, reason: IgnoreReason, detail: Record<string, unknown>): void {
  note(work, `ignored.${reason}`, detail);
}

function eventDetail(step: TrackStep, event: VoipWebhookRequest, parties: Parties): Record<string, unknown> {
  return {
    event: step,
    direction: event.direction,
    srcPhone: event.srcPhone,
    dstPhone: event.dstPhone,
    disposition: event.disposition,
    callId: externalCallId(event),
    extension: parties.agentExtension,
    userId: parties.agentUserId,
  };
}

function recordDetail(
  record: VoipCallRecord,
  parties: Parties,
  duration: number | null,
  data: Serialised,
): Record<string, unknown> {
  return {
    record: true,
    direction: record.direction,
    srcPhone: record.srcPhone,
    dstPhone: record.dstPhone,
    disposition: record.disposition,
    duration: duration ?? record.duration,
    callId: externalCallId(record),
    extension: parties.agentExtension,
    userId: parties.agentUserId,
    ...(record.details === undefined ? {} : { details: record.details }),
    ...(data.error === undefined ? {} : { callDataError: data.error }),
  };
}

interface Serialised {
  json: string;
  error?: string;
}

/** The opaque `call` data as JSON; a value JSON cannot hold is stored as null and explained. */
function serialise(value: unknown): Serialised {
  try {
    return { json: JSON.stringify(value) ?? 'null' };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { json: 'null', error: `the record's call data is not JSON-serialisable (${reason}); it was not stored` };
  }
}

function isEmptyJson(json: string | null): boolean {
  return json === null || json === 'null' || json === '""' || json === '{}' || json === '[]';
}
