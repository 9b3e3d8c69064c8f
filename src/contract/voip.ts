/**
 * The ELMA365 telephony module contract: the types a module returns to the host.
 * Names follow ELMA365's TS SDK (`@integration/voip`) so scripts written for ELMA365 compile as they are.
 */
import type { HttpResponse } from './http.js';

/**
 * The stage of a call a webhook reports.
 * ELMA365 does not publish the string values; ours are readable and stable (they are stored).
 * @example VoipWebhookEvent.NotifyStart // 'start'
 */
export enum VoipWebhookEvent {
  /** The call started: the agent's phone rings (incoming) or the PBX dials the client (outgoing). */
  NotifyStart = 'start',
  /** Somebody picked up; the popup turns into "Talking". */
  NotifyAnswer = 'answer',
  /** The call finished; the disposition tells answered from missed. */
  NotifyEnd = 'end',
}

/**
 * Who called whom. Values are ELMA365's own (confirmed in its 2026.3 SDK).
 * @example VoipCallDirection.In // 'in'
 */
export enum VoipCallDirection {
  /** A client calls an agent. */
  In = 'in',
  /** An agent calls a client. */
  Out = 'out',
  /** An agent calls another agent. */
  Internal = 'internal',
}

/**
 * How a call (or one agent's leg of it) ended.
 * ELMA365 does not publish the string values; ours are readable and stable (they are stored).
 * @example VoipCallDisposition.NoAnswer // 'no_answer'
 */
export enum VoipCallDisposition {
  Answered = 'answered',
  Busy = 'busy',
  /** The caller gave up, or another agent took the call. */
  Cancel = 'cancel',
  NoAnswer = 'no_answer',
  /** Not known yet (start and answer events) or not recognised. */
  Unknown = 'unknown',
}

/**
 * A call-stage event, the `event` of a parse result.
 * Incoming: `srcPhone` is the client, `dstPhone` the agent's extension.
 * Outgoing and internal: `srcPhone` is the agent's extension, `dstPhone` the number called.
 * Older modules put the extension in `dstPhone` whatever the direction; the host accepts both.
 * @example
 * const event: VoipWebhookRequest = {
 *   event: VoipWebhookEvent.NotifyStart, direction: VoipCallDirection.In,
 *   srcPhone: '+74951234567', dstPhone: '101', disposition: VoipCallDisposition.Unknown, callId: 'abc',
 * };
 */
export interface VoipWebhookRequest {
  event: VoipWebhookEvent;
  direction: VoipCallDirection;
  srcPhone: string;
  dstPhone: string;
  disposition: VoipCallDisposition;
  /** The provider's id of the whole call; events with the same id are one call. */
  callId?: string;
  /** The agent's extension behind an external `srcPhone`. */
  srcPhoneExt?: string;
  /** The agent's extension behind an external `dstPhone`. */
  dstPhoneExt?: string;
  /**
   * Switchboard only (ELMA365 has no such field, and modules written for it never set it): when the
   * provider says this happened, as ISO-8601 or Unix milliseconds. With it the host applies a call's
   * events in the provider's order, whatever order they arrive in; without it, in arrival order.
   * @example occurredAt: new Date(payload.timestamp * 1000).toISOString()
   */
  occurredAt?: string | number;
}

/**
 * The longest talk time a call record may report: a week. A bigger number is a unit mistake (milliseconds)
 * or garbage; the hub refuses it rather than store it.
 * @example if (seconds > MAX_CALL_DURATION_SECONDS) return badRequest('duration out of range');
 */
export const MAX_CALL_DURATION_SECONDS = 7 * 24 * 3600;

/**
 * A finished call for the history, the `callRecord` of a parse result.
 * @example
 * const record: VoipCallRecord = {
 *   srcPhone: '+74951234567', dstPhone: '101', direction: VoipCallDirection.In,
 *   duration: 42, disposition: VoipCallDisposition.Answered, call: { recordingId: 'r1' }, callId: 'abc',
 * };
 */
export interface VoipCallRecord {
  srcPhone: string;
  dstPhone: string;
  direction: VoipCallDirection;
  /** Talk time in seconds, from 0 to `MAX_CALL_DURATION_SECONDS`. */
  duration: number;
  disposition: VoipCallDisposition;
  /** Opaque provider data, stored as is and handed back to `VoipGetCallLink`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ELMA365 types it `any`; scripts rely on that
  call: any;
  callId?: string;
  srcPhoneExt?: string;
  dstPhoneExt?: string;
  /**
   * Switchboard only (ELMA365 has no such field): facts the provider reported about the finished call
   * apart from its recording, such as the client's rating. The host shows them with the record in the
   * call's timeline; they are not handed to `VoipGetCallLink` and do not make a call "recorded".
   * Keys are short names, values short text, numbers or booleans.
   * @example details: { rating: 5 }
   */
  details?: Record<string, string | number | boolean>;
}

/**
 * What `VoipParseWebhookRequest` returns; every field is optional and `{}` is valid.
 * @example return { event, response: new HttpResponse().status(HttpStatusCode.OK) };
 */
export interface VoipWebhookParseResult {
  event?: VoipWebhookRequest;
  callRecord?: VoipCallRecord;
  /** Sent back to the PBX as is; without it the host answers 200 with an empty body. */
  response?: HttpResponse;
  /** Switchboard only (ELMA365 has no such field): the PBX's later answer to a `VoipGenerateCall`. */
  generateCallResult?: VoipGenerateCallResult;
}

/**
 * What the PBX said, after the fact, about a click-to-call request, for providers that answer it
 * asynchronously. `srcPhone` and `dstPhone` are the ones `VoipGenerateCall` was given: the host finds
 * the request by them and tells the agent when it failed.
 * @example { srcPhone: '101', dstPhone: '+79161234567', success: false, failReason: 'Mango could not ring 101' }
 */
export interface VoipGenerateCallResult {
  srcPhone: string;
  dstPhone: string;
  success: boolean;
  failReason?: string;
}

/**
 * A PBX user for the mapping table. `id` is the extension the host matches with the event's numbers.
 * @example { id: '101', label: 'Anna Smirnova (Sales)' }
 */
export interface VoipMember {
  id: string;
  label: string;
}

/**
 * The result of "Test connection".
 * @example { success: false, failReason: 'The PBX rejected the API key: check it in the settings' }
 */
export interface VoipTestConnectionResult {
  success: boolean;
  failReason?: string;
}
