/**
 * Raw Mango Office VPBX API v1.9 payloads, as they travel inside the `json` form field.
 * The PDF's examples mix strings and numbers for the same field (`"seq":"1"` and `"seq":2`,
 * `"disconnect_reason":"1120"` and `1131`), so numeric fields are typed `MangoNumber`.
 */

export type MangoNumber = number | string;

/** `from` / `to` of a call leg (§3.1.2). */
export interface MangoParty {
  /** The employee's extension; absent for a party that is not an employee. */
  extension?: MangoNumber;
  number?: string;
  /** The leg this party was in before a transfer moved it here. */
  taken_from_call_id?: string;
  line_number?: string;
  acd_group?: MangoNumber;
  was_transferred?: boolean;
  hold_initiator?: boolean;
}

export type MangoCallState = 'Appeared' | 'Connected' | 'OnHold' | 'Disconnected';

/** `/events/call`: the state of one leg (§3.1.2). */
export interface MangoCallEvent {
  /** The whole call, stable through forwarding and transfers. */
  entry_id: string;
  /** This leg. */
  call_id: string;
  timestamp: MangoNumber;
  /** Per-leg notification counter; notifications are sent in parallel and may arrive out of order. */
  seq: MangoNumber;
  call_state: MangoCallState;
  /** `ivr`, `queue` or `abonent`. */
  location?: string;
  from?: MangoParty;
  to?: MangoParty;
  dct?: { number?: string; type: MangoNumber };
  /** Only with `Disconnected`. */
  disconnect_reason?: MangoNumber;
  transfer?: 'consultative' | 'blind' | 'return_blind';
  sip_call_id?: string;
  /** Our command that produced the leg (e.g. a callback). */
  command_id?: string;
  task_id?: MangoNumber;
  /** Present when the call is a callback: `API`, `WEB`, `CallbackWidget`, … */
  callback_initiator?: string;
}

/** `/events/summary`: the final record of a call, sent once after it ends (§3.1.6). */
export interface MangoSummaryEvent {
  entry_id: string;
  /** 0 internal, 1 incoming, 2 outgoing. */
  call_direction: MangoNumber;
  from?: { extension?: MangoNumber; number?: string };
  /** Answered: who answered. Missed: the first link of the forwarding chain. */
  to?: { extension?: MangoNumber; number?: string };
  line_number?: string;
  create_time: MangoNumber;
  forward_time?: MangoNumber;
  /** 0 when nobody talked. */
  talk_time: MangoNumber;
  end_time: MangoNumber;
  /** 1 talked, 0 missed (the PDF's own IVR example contradicts it, so `talk_time` decides). */
  entry_result?: MangoNumber;
  disconnect_reason?: MangoNumber;
  sip_call_id?: string;
}

export type MangoRecordingState = 'Started' | 'Continued' | 'Completed';

/** `/events/recording`: the recording's progress; it carries no link (§3.1.4). */
export interface MangoRecordingEvent {
  recording_id: string;
  recording_state: MangoRecordingState;
  seq?: MangoNumber;
  entry_id: string;
  call_id?: string;
  extension?: MangoNumber;
  timestamp?: MangoNumber;
  /** On `Completed`: 1000 saved, 22xx account restricted, 4002 too short (not saved). */
  completion_code?: MangoNumber;
  recipient?: 'Cloud' | 'Mail' | 'CloudAndMail';
  command_id?: string;
}

/** `/events/record/added`: the recording is in cloud storage and can be fetched (§3.1.8). */
export interface MangoRecordAddedEvent {
  entry_id: string;
  product_id?: MangoNumber;
  user_id?: MangoNumber;
  timestamp?: MangoNumber;
  recording_id: string;
}

/** `/result/<command>`: the outcome of one of our commands (§3.2). */
export interface MangoCommandResult {
  command_id?: string;
  result: MangoNumber;
}

/** `/commands/callback` (§3.2.1): ring the employee first, then connect them to `to_number`. */
export interface MangoCallbackCommand {
  command_id: string;
  from: { extension: string; number?: string };
  to_number: string;
  line_number?: string;
}

/** `/queries/recording/post` (§3.5.1): answered with a 302 to a single-use link. */
export interface MangoRecordingQuery {
  recording_id: string;
  action: 'play' | 'download';
}

/** One employee of `/config/users/request` (§3.7.1). */
export interface MangoUser {
  general?: { name?: string | null; email?: string | null; department?: string | null; position?: string | null };
  telephony?: {
    extension?: MangoNumber | null;
    outgoingline?: string | null;
    numbers?: Array<{
      number: string;
      protocol?: string;
      order?: MangoNumber;
      wait_sec?: MangoNumber;
      status?: string;
    }>;
  };
}

export interface MangoUsersResponse {
  users: MangoUser[];
}

/** `/account/balance` (§3.7.6). */
export interface MangoBalanceResponse {
  result: MangoNumber;
  balance: number;
  currency: string;
  response_at: string;
}

/** Over a rate limit Mango answers HTTP 429 with exactly this body (§1.4.2). */
export const MANGO_RATE_LIMIT_BODY = {
  name: 'Service Unavailable',
  message: 'Rate limit exceeded.',
  code: 0,
  status: 429,
} as const;
