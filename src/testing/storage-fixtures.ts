/** Rows for storage tests: valid defaults, overridden per test. */
import { randomUUID } from 'node:crypto';
import type { Repositories } from '../storage/database.js';
import type { Call, CallLeg, Connection, User } from '../storage/schema.js';
import type { NewConnection } from '../storage/connections-repo.js';
import type { NewUser } from '../storage/users-repo.js';

/** A fixed clock for tests: `at(0)` is 2024-05-01T10:00:00.000Z, `at(1500)` 1.5 s later. */
export function at(offsetMs: number): string {
  return new Date(Date.parse('2024-05-01T10:00:00.000Z') + offsetMs).toISOString();
}

export function seedUser(store: Pick<Repositories, 'users'>, overrides: Partial<NewUser> = {}): Promise<User> {
  const id = overrides.id ?? randomUUID();
  return store.users.create({
    id,
    email: `${id}@example.com`,
    name: 'Anna Smirnova',
    role: 'agent',
    created_at: at(0),
    updated_at: at(0),
    ...overrides,
  });
}

export function seedConnection(
  store: Pick<Repositories, 'connections'>,
  overrides: Partial<NewConnection> = {},
): Promise<Connection> {
  return store.connections.create({
    connector_id: 'mango-office',
    name: 'Mango',
    enabled: 1,
    settings: '{}',
    webhook_token: randomUUID(),
    timeout_ms: 10_000,
    default_country: 'RU',
    unknown_caller_policy: 'on_answer',
    own_numbers: '[]',
    created_at: at(0),
    updated_at: at(0),
    ...overrides,
  });
}

export function buildCall(connectionId: string, overrides: Partial<Call> = {}): Call {
  return {
    id: randomUUID(),
    connection_id: connectionId,
    external_id: null,
    direction: 'in',
    status: 'ringing',
    missed: 0,
    disposition: 'unknown',
    client_number: '+74951234567',
    src_phone: '+74951234567',
    dst_phone: '101',
    contact_id: null,
    owner_id: null,
    started_at: at(0),
    answered_at: null,
    ended_at: null,
    duration: null,
    call_data: null,
    has_recording: 0,
    origination_id: null,
    updated_at: at(0),
    ...overrides,
  };
}

export function buildLeg(callId: string, overrides: Partial<CallLeg> = {}): CallLeg {
  return {
    id: randomUUID(),
    call_id: callId,
    extension: '101',
    user_id: null,
    status: 'ringing',
    outcome: null,
    rung_at: at(0),
    answered_at: null,
    ended_at: null,
    ...overrides,
  };
}
