/**
 * The database schema, one for SQLite and PostgreSQL. Portable column types only:
 * times are ISO-8601 UTC strings (they sort as text), booleans are 0/1 integers, JSON is text,
 * ids are UUID strings except for append-only logs, which use integer sequences.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** 0 or 1: one representation for both databases. */
export type Flag = 0 | 1;

export type UserRole = 'admin' | 'agent';
export type UnknownCallerPolicy = 'on_answer' | 'on_ring' | 'never';
export type CallDirection = 'in' | 'out' | 'internal';
export type CallStatus = 'ringing' | 'talking' | 'ended';
export type LegStatus = 'ringing' | 'talking' | 'ended';
/** How one agent's leg ended. */
export type LegOutcome = 'answered' | 'answered_elsewhere' | 'missed' | 'busy' | 'cancelled' | 'transferred';
/** `duplicate`: a byte-identical retry, answered with the first response and not applied again. */
export type WebhookStatus = 'pending' | 'processed' | 'rejected' | 'failed' | 'duplicate';
export type OriginationStatus = 'requested' | 'accepted' | 'failed' | 'linked';

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  password_hash: string | null;
  /** BCP-47 UI language, null = from the browser. */
  locale: string | null;
  time_zone: string | null;
  created_at: string;
  updated_at: string;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  /** sha256 of the token; the token itself is shown once. */
  token_hash: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export interface SessionsTable {
  /** sha256 of the cookie value. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface ConnectionsTable {
  id: string;
  connector_id: string;
  name: string;
  enabled: Flag;
  /** JSON object; secret fields encrypted. */
  settings: string;
  /** The secret part of the webhook URL. */
  webhook_token: string;
  timeout_ms: number;
  default_country: string;
  unknown_caller_policy: UnknownCallerPolicy;
  /** JSON array of the company's own numbers (E.164): never turned into contacts. */
  own_numbers: string;
  created_at: string;
  updated_at: string;
}

export interface BindingsTable {
  connection_id: string;
  extension: string;
  user_id: string;
}

export interface ModuleStorageTable {
  connection_id: string;
  key: string;
  value: string;
}

export interface ContactsTable {
  id: string;
  name: string;
  company: string | null;
  email: string | null;
  notes: string | null;
  /** The user responsible for the contact. */
  owner_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ContactPhonesTable {
  id: Generated<number>;
  contact_id: string;
  /** Normalised E.164, or the digits when the number cannot be parsed. */
  number: string;
  /** As the user typed it. */
  raw: string;
  label: string | null;
}

export interface CallsTable {
  id: string;
  connection_id: string;
  /** The provider's callId, when it gives one. */
  external_id: string | null;
  direction: CallDirection;
  status: CallStatus;
  missed: Flag;
  /** A VoipCallDisposition value. */
  disposition: string;
  /** The client's side (E.164 when parseable); for internal calls the other extension. */
  client_number: string;
  /** The numbers as the first event gave them: the grouping key without a callId. */
  src_phone: string;
  dst_phone: string;
  contact_id: string | null;
  /** The last agent who answered, else the first agent rung. */
  owner_id: string | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  /** Talk time in seconds. */
  duration: number | null;
  /** JSON: the opaque `call` data of the call record, for VoipGetCallLink. */
  call_data: string | null;
  has_recording: Flag;
  origination_id: string | null;
  updated_at: string;
}

export interface CallLegsTable {
  id: string;
  call_id: string;
  extension: string;
  user_id: string | null;
  status: LegStatus;
  outcome: LegOutcome | null;
  rung_at: string;
  answered_at: string | null;
  ended_at: string | null;
}

/** Who took part in a call: its owner and every user rung; `started_at` is the call's, for ordering. */
export interface CallParticipantsTable {
  user_id: string;
  call_id: string;
  started_at: string;
}

export interface CallTimelineTable {
  id: Generated<number>;
  call_id: string;
  at: string;
  /** e.g. `event.start`, `record`, `ignored.duplicate`, `ignored.out_of_order`, `click_to_call`. */
  kind: string;
  /** JSON. */
  detail: string;
  /** JSON: the event or record as the call tracker took it (`TrackerInput`); null for other entries. */
  input: string | null;
}

export interface WebhooksTable {
  id: Generated<number>;
  connection_id: string;
  method: string;
  path: string;
  /** JSON object. */
  query: string;
  /** JSON object, names as sent. */
  headers: string;
  body: string;
  received_at: string;
  /** sha256 over method, path, query and body: byte-identical retries share it. */
  fingerprint: string;
  status: WebhookStatus;
  response_status: number | null;
  response_body: string | null;
  /** JSON object. */
  response_headers: string | null;
  /** JSON: what the module returned (event, callRecord). */
  parse_result: string | null;
  error: string | null;
  call_id: string | null;
  processed_at: string | null;
  attempts: number;
}

/** What users were sent, kept so SSE clients can resume with Last-Event-ID. */
export interface LiveEventsTable {
  id: Generated<number>;
  user_id: string;
  type: string;
  /** JSON. */
  payload: string;
  created_at: string;
}

/** Click-to-call requests, linked to the call they produce. */
export interface OriginationsTable {
  id: string;
  connection_id: string;
  user_id: string;
  src_phone: string;
  dst_phone: string;
  status: OriginationStatus;
  error: string | null;
  call_id: string | null;
  created_at: string;
}

/** ELMA365 script modules the admin installed; each is a connector type `ext-…`. */
export interface ScriptModulesTable {
  /** The connector id, `ext-` and the name in kebab-case. */
  id: string;
  name: string;
  /** The script as uploaded (TypeScript or JavaScript). */
  source: string;
  /** JSON: the SettingsField[] its connections fill in (`Namespace.params.data`). */
  settings: string;
  created_at: string;
  updated_at: string;
}

/** `connecting`: trying, or waiting to try again; `stopped`: the connection was disabled or the hub stopped. */
export type EventSourceStatus = 'connecting' | 'connected' | 'disconnected' | 'stopped';

/** One connection's event source (a PBX connection the hub keeps open), as its holder last wrote it. */
export interface EventSourcesTable {
  connection_id: string;
  status: EventSourceStatus;
  /** The hub instance holding the source. */
  instance_id: string;
  status_since: string;
  connected_at: string | null;
  disconnected_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  /** The latest outage between two sessions: events in it were not received. */
  gap_from: string | null;
  gap_to: string | null;
  /** Sessions opened after the first one. */
  reconnects: number;
  updated_at: string;
}

export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  connections: ConnectionsTable;
  bindings: BindingsTable;
  module_storage: ModuleStorageTable;
  contacts: ContactsTable;
  contact_phones: ContactPhonesTable;
  calls: CallsTable;
  call_legs: CallLegsTable;
  call_participants: CallParticipantsTable;
  call_timeline: CallTimelineTable;
  webhooks: WebhooksTable;
  live_events: LiveEventsTable;
  originations: OriginationsTable;
  script_modules: ScriptModulesTable;
  event_sources: EventSourcesTable;
}

export type User = Selectable<UsersTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type Session = Selectable<SessionsTable>;
export type Connection = Selectable<ConnectionsTable>;
export type Binding = Selectable<BindingsTable>;
export type Contact = Selectable<ContactsTable>;
export type ContactPhone = Selectable<ContactPhonesTable>;
export type Call = Selectable<CallsTable>;
export type CallLeg = Selectable<CallLegsTable>;
export type TimelineEntry = Selectable<CallTimelineTable>;
export type Webhook = Selectable<WebhooksTable>;
export type LiveEvent = Selectable<LiveEventsTable>;
export type Origination = Selectable<OriginationsTable>;
export type ScriptModuleRow = Selectable<ScriptModulesTable>;
export type EventSourceState = Selectable<EventSourcesTable>;
export type NewWebhook = Insertable<WebhooksTable>;
export type CallUpdate = Updateable<CallsTable>;
export type { ColumnType };
