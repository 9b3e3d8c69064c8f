/**
 * Raw Zadarma (and Novofon v1) payloads. Notifications are form posts whose every value is a string
 * (`duration: "42"`, `is_recorded: "1"`); API replies are JSON where the same numbers may come as
 * numbers or strings (`numbers: [100, 101]`, `"pbx_id": "1234"`), so numeric fields are `ZadarmaNumber`.
 * Field lists: official PHP client `lib/Webhook/*.php`, TS client `src/types.ts`, openapi.json.
 */

export type ZadarmaNumber = number | string;

/** The notifications sent to the URL set with `/v1/pbx/callinfo/url/` ("Уведомления о звонках в АТС"). */
export const ZADARMA_EVENTS = [
  'NOTIFY_START',
  'NOTIFY_INTERNAL',
  'NOTIFY_ANSWER',
  'NOTIFY_END',
  'NOTIFY_OUT_START',
  'NOTIFY_OUT_END',
  'NOTIFY_RECORD',
  'NOTIFY_IVR',
] as const;

export type ZadarmaEventName = (typeof ZADARMA_EVENTS)[number];

/** The union of every notification's fields; which ones are present depends on `event`. */
export interface ZadarmaNotifyFields {
  event: ZadarmaEventName;
  /** The call's start, "YYYY-MM-DD HH:MM:SS" in the account's time zone; the same in every event of a call. */
  call_start?: string;
  /** Permanent id of the call across scenario and IVR changes: `in_…` incoming, `out_…` outgoing. */
  pbx_call_id?: string;
  caller_id?: string;
  /** Our number the call came in on. */
  called_did?: string;
  /** The extension rung, that answered, or that calls out. */
  internal?: string;
  /** NOTIFY_ANSWER: the number that answered; NOTIFY_OUT_*: the number called. */
  destination?: string;
  /** Seconds, as a string. */
  duration?: string;
  disposition?: string;
  /** Q.931 cause code. */
  status_code?: string;
  is_recorded?: '0' | '1';
  /** The recorded leg's id, used to request the recording (`/v1/pbx/record/request/?call_id=`). */
  call_id_with_rec?: string;
}

/** Every reply carries `status`; an error has `message`. */
export interface ZadarmaReply {
  status?: 'success' | 'error';
  message?: string;
}

export interface ZadarmaBalanceReply extends ZadarmaReply {
  balance?: ZadarmaNumber;
  currency?: string;
}

export interface ZadarmaTimezoneReply extends ZadarmaReply {
  unixtime?: ZadarmaNumber;
  datetime?: string;
  /** E.g. `UTC+3`. */
  timezone?: string;
}

/** `GET /v1/pbx/internal/`. */
export interface ZadarmaInternalReply extends ZadarmaReply {
  pbx_id?: ZadarmaNumber;
  numbers?: ZadarmaNumber[];
}

/** `GET /v1/pbx/internal/{ext}/info/` (abridged). */
export interface ZadarmaInternalInfoReply extends ZadarmaReply {
  pbx_id?: ZadarmaNumber;
  number?: ZadarmaNumber;
  name?: string;
  caller_id?: string;
}

/** `GET /v1/request/callback/`: no call id, only what was asked and when (Unix seconds). */
export interface ZadarmaCallbackReply extends ZadarmaReply {
  from?: ZadarmaNumber;
  to?: ZadarmaNumber;
  time?: ZadarmaNumber;
}

/** `GET /v1/pbx/record/request/`: `link` for `call_id`, `links` for `pbx_call_id`. */
export interface ZadarmaRecordReply extends ZadarmaReply {
  link?: string;
  links?: string[];
  lifetime_till?: string;
}

/** `GET /v1/pbx/callinfo/`. */
export interface ZadarmaCallInfoReply extends ZadarmaReply {
  url?: string;
  notify_start?: string;
  notify_internal?: string;
  notify_answer?: string;
  notify_end?: string;
  notify_out_start?: string;
  notify_out_end?: string;
}
