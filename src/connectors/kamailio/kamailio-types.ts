/** What `deploy/kamailio/kamailio.cfg` sends and answers (see its "Call events" and "Control API" sections). */

export const KAMAILIO_EVENTS = ['ringing', 'answered', 'ended'] as const;
export type KamailioEventName = (typeof KAMAILIO_EVENTS)[number];

/** How a call ended, from the final SIP code (dialog:failed) or a BYE (dialog:end). */
export const KAMAILIO_REASONS = ['hangup', 'cancelled', 'busy', 'no_answer', 'not_registered'] as const;
export type KamailioReason = (typeof KAMAILIO_REASONS)[number];

/** One call event, posted as JSON with the header `X-Switchboard-Secret`. */
export interface KamailioEvent {
  event: KamailioEventName;
  /** The SIP Call-ID of the dialog. */
  callId: string;
  /** Caller's extension. */
  from: string;
  /** Called extension. */
  to: string;
  /** Kamailio's clock when it happened: `seconds.microseconds` since 1970 (`$TV(Sn)`). */
  time: string;
  /** ended only: the final SIP code (200 after a BYE, 487 cancelled, 486 busy, 480 not registered …). */
  code?: number;
  reason?: KamailioReason;
  /** ended after an answer: which side sent the BYE. */
  hungUpBy?: 'caller' | 'callee';
  /** A click-to-call's id (ours, sent with POST /calls) on both of its dialogs. */
  clickToCall?: string;
  /** Which dialog of a click-to-call: Kamailio ringing the employee, or the employee's call after the REFER. */
  leg?: 'employee' | 'client';
  /** rtpengine records the call (the profile runs with recording on). */
  recorded?: boolean;
}

/** GET /extensions */
export interface KamailioExtension {
  extension: string;
  online: boolean;
}
