/** The shapes of `/api/v1`, as the browser sees them. */
// The settings schema is the contract's own: one definition for the server and the form it draws.
import type { SettingsField } from '../../../src/contract/connector.js';

export type { SettingsField };

export type Role = 'admin' | 'agent';

export interface ExtensionRef {
  connectionId: string;
  extension: string;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: string | null;
  timeZone: string | null;
  createdAt?: string;
  extensions?: ExtensionRef[];
}

export interface Me {
  user: User;
  csrfToken: string;
  extensions: ExtensionRef[];
}

export interface Connector {
  id: string;
  name: string;
  docsUrl: string;
  settings: SettingsField[];
}

/** A secret setting as the server returns it: whether it is set, never the value. */
export interface SecretState {
  set: true;
}

export type SettingValue = string | number | boolean | SecretState | null;

export type UnknownCallerPolicy = 'on_answer' | 'on_ring' | 'never';

export interface Connection {
  id: string;
  connectorId: string;
  name: string;
  enabled: boolean;
  settings: Record<string, SettingValue>;
  webhookUrl: string;
  webhookToken: string;
  timeoutMs: number;
  defaultCountry: string;
  unknownCallerPolicy: UnknownCallerPolicy;
  ownNumbers: string[];
  lastWebhookAt: string | null;
  errorsLastHour: number;
  /** For connectors that keep a connection to the PBX (Asterisk); null for webhook connectors. */
  eventSource?: EventSourceState | null;
  createdAt: string;
}

export interface EventSourceState {
  status: 'connecting' | 'connected' | 'disconnected' | 'stopped';
  since: string | null;
  instance: string | null;
  connectedAt: string | null;
  lastEventAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  lastGap: { from: string; to: string } | null;
  reconnects: number;
}

export interface Member {
  id: string;
  label: string;
}

export interface Binding {
  extension: string;
  userId: string;
}

export interface TestResult {
  success: boolean;
  failReason?: string;
}

export type CallDirection = 'in' | 'out' | 'internal';
export type CallStatus = 'ringing' | 'talking' | 'ended';
export type Disposition = 'answered' | 'busy' | 'cancel' | 'no_answer' | 'unknown';

export interface Call {
  id: string;
  connectionId: string;
  direction: CallDirection;
  status: CallStatus;
  missed: boolean;
  disposition: Disposition;
  clientNumber: string;
  contactId: string | null;
  contact: { id: string; name: string; company: string | null } | null;
  ownerId: string | null;
  owner: { id: string; name: string } | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  duration: number | null;
  hasRecording: boolean;
}

export interface CallLeg {
  id: string;
  extension: string;
  userId: string | null;
  status: CallStatus;
  outcome: string | null;
  rungAt: string;
  answeredAt: string | null;
  endedAt: string | null;
}

export interface TimelineEntry {
  at: string;
  kind: string;
  detail: unknown;
}

export interface CallDetail extends Call {
  legs: CallLeg[];
  timeline: TimelineEntry[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ContactPhone {
  number: string;
  raw: string;
  label: string | null;
}

export interface Contact {
  id: string;
  name: string;
  company: string | null;
  email: string | null;
  notes: string | null;
  ownerId: string | null;
  phones: ContactPhone[];
  createdAt: string;
}

export interface ImportResult {
  created: number;
  updated: number;
  rejected: Array<{ row: number; reason: string }>;
}

export type WebhookStatus = 'pending' | 'processed' | 'rejected' | 'failed' | 'duplicate';

export interface WebhookEntry {
  id: string | number;
  connectionId: string;
  method: string;
  path: string;
  query: unknown;
  headers: unknown;
  body: string;
  receivedAt: string;
  status: WebhookStatus;
  responseStatus: number | null;
  responseBody: string | null;
  parseResult: unknown;
  error: string | null;
  callId: string | null;
}

export interface TodayStats {
  live: number;
  perAgent: Array<{ userId: string; name: string; answered: number; missed: number; talkSeconds: number }>;
  perHour: Array<{ hour: string; in: number; out: number; missed: number }>;
}

export interface Origination {
  originationId: string;
  status: 'requested' | 'accepted' | 'failed' | 'linked';
  /** Why the PBX refused it (GET /originations/:id); the POST answers without it. */
  error?: string | null;
  callId?: string | null;
}

export const LIVE_EVENT_TYPES = [
  'call.ringing',
  'call.answered',
  'call.ended',
  'call.missed',
  'call.recorded',
] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

/** One SSE call event; `id` is the SSE event id. */
export interface LiveEvent {
  type: LiveEventType;
  id?: string;
  call: Call;
  answeredBy?: { userId: string; name: string };
}
