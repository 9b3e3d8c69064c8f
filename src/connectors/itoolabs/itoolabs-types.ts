/**
 * Raw payloads of the ITooLabs "Облачная АТС" CRM protocol (MegaFon, Gravitel, Kcell, Moldcell…). Pushes to
 * us are form posts, every value a string; the REST API answers JSON, the legacy one JSON or CSV.
 * Field lists: `brandup-online/megafon-ats` Models/Requests, `skytecs/MegafonPbxApiClient`, `ryzhak/gravitel`
 * README (providers.md §3).
 */

/** What the PBX pushes in `cmd`. */
export const ITOOLABS_COMMANDS = ['event', 'history', 'contact', 'rating'] as const;
export type ItoolabsCommand = (typeof ITOOLABS_COMMANDS)[number];

/** `event.type`; sources differ in case, so it is read case-insensitively. */
export const ITOOLABS_EVENT_TYPES = [
  'INCOMING',
  'ACCEPTED',
  'COMPLETED',
  'CANCELLED',
  'OUTGOING',
  'TRANSFERRED',
] as const;
export type ItoolabsEventType = (typeof ITOOLABS_EVENT_TYPES)[number];

/** `cmd=event`: a call's state at one user. */
export interface ItoolabsEventPush {
  cmd: 'event';
  type: string;
  /** The client's number. */
  phone?: string;
  /** Our number the call came to. */
  diversion?: string;
  /** The PBX login of the user, `name` in `accounts`. */
  user?: string;
  ext?: string;
  groupRealName?: string;
  telnum?: string;
  callid: string;
  /** `in` / `out`; present in newer PBX versions only. */
  direction?: string;
  crm_token: string;
}

/** `cmd=history`: the finished call (CDR). */
export interface ItoolabsHistoryPush {
  cmd: 'history';
  /** `in` / `out`. */
  type: string;
  /** `Success`, `missed`, `Cancel`, `Busy`, `NotAvailable`, `NotAllowed`, `NotFound`; case varies. */
  status: string;
  phone?: string;
  diversion?: string;
  user?: string;
  ext?: string;
  groupRealName?: string;
  telnum?: string;
  /** `YYYYmmddTHHMMSSZ`, UTC. */
  start?: string;
  /** Talk time, seconds. */
  duration?: string;
  /** The recording's URL, when recording is on. */
  link?: string;
  callid: string;
  rating?: string;
  crm_token: string;
}

/** `cmd=contact`: who is calling; answered at once with {contact_name, responsible}. */
export interface ItoolabsContactPush {
  cmd: 'contact';
  callid?: string;
  phone: string;
  diversion?: string;
  crm_token: string;
}

/** `cmd=rating`: the client's rating of a call. */
export interface ItoolabsRatingPush {
  cmd: 'rating';
  callid: string;
  rating: string;
  user?: string;
  ext?: string;
  phone?: string;
  crm_token: string;
}

export type ItoolabsPush = ItoolabsEventPush | ItoolabsHistoryPush | ItoolabsContactPush | ItoolabsRatingPush;

/** Legacy `cmd=accounts`: one user. */
export interface ItoolabsLegacyAccount {
  /** The login. */
  name: string;
  realName?: string;
  ext?: string | number;
  email?: string;
}

/** REST `GET /users`: one user. */
export interface ItoolabsRestUser {
  login: string;
  name?: string;
  ext?: string | number;
  telnum?: string;
  mobile?: string;
  email?: string;
  role?: 'user' | 'admin' | 'restricted_user';
}

/** One call of the history, whichever API gave it. */
export interface ItoolabsHistoryRow {
  uid: string;
  type: string;
  status?: string;
  client: string;
  /** The user's login (`login@tenant` in the legacy CSV). */
  account: string;
  start: string;
  wait: number;
  duration: number;
  record: string;
}
