/** Calls for tests: a complete Call with the fields a test cares about overridden. */
import type { Call } from '../api/types.js';

export function makeCall(overrides: Partial<Call> = {}): Call {
  return {
    id: 'call-1',
    connectionId: 'conn-1',
    direction: 'in',
    status: 'ringing',
    missed: false,
    disposition: 'unknown',
    clientNumber: '+79123456789',
    contactId: null,
    contact: null,
    ownerId: null,
    owner: null,
    startedAt: '2025-04-03T10:00:00.000Z',
    answeredAt: null,
    endedAt: null,
    duration: null,
    hasRecording: false,
    ...overrides,
  };
}
