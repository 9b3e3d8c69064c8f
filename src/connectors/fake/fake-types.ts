/** Raw payloads of the fake PBX, as they travel over HTTP. */
import type { VoipMember } from '../../contract/index.js';

export type FakeEventType = 'start' | 'answer' | 'end' | 'record';
export type FakeDirection = 'in' | 'out' | 'internal';

/**
 * A webhook body: `POST` with `Content-Type: application/json`.
 * `start`, `answer` and `end` are call stages; `record` reports a finished call with its recording.
 */
export interface FakeWebhookPayload {
  type: FakeEventType;
  direction: FakeDirection;
  /** Incoming: the client's number; outgoing and internal: the agent's extension. */
  from: string;
  to: string;
  callId?: string;
  /** `answered`, `busy`, `cancel`, `no_answer`; anything else reads as unknown. */
  disposition?: string;
  /** Talk time in seconds; required for `record`. */
  duration?: number;
  /** An http(s) URL of the recording; required for `record`. */
  recording?: string;
}

/** One user as the fake PBX API lists them (`GET /members`). */
export interface FakeApiMember {
  ext: string;
  name: string;
}

/** The `call` data of a fake call record, handed back to `VoipGetCallLink`. */
export interface FakeCallData {
  recording: string;
}

/** The connection settings after checking. */
export interface FakeSettings {
  secret: string;
  /** Without a trailing slash; absent when the fake answers from its settings. */
  apiUrl?: string;
  members: VoipMember[];
  failTest?: string;
}
