/** A hub on a test store with a fake-connector connection and three users, for runtime and server tests. */
import pino from 'pino';
import { findConnector } from '../connectors/index.js';
import { FAKE_SIGNATURE_HEADER, signFakeBody } from '../connectors/fake/fake-webhook.js';
import type { Connection, Store, User } from '../storage/index.js';
import { createConnection, setBindings } from '../runtime/connections.js';
import { createHub, type Hub } from '../runtime/hub.js';
import { createSecretBox } from '../runtime/secret-box.js';
import type { ReceivedRequest } from '../runtime/webhook-intake.js';
import { seedUser } from './storage-fixtures.js';

export const FAKE_SECRET = 'test-secret';

export interface TestHub {
  hub: Hub;
  connection: Connection;
  admin: User;
  anna: User;
  boris: User;
  /** A signed fake-PBX webhook as the hub receives it. */
  request(payload: Record<string, unknown>, overrides?: Partial<ReceivedRequest>): ReceivedRequest;
  post(payload: Record<string, unknown>): ReturnType<Hub['intake']['receive']>;
}

export async function createTestHub(store: Store, options: { now?: () => Date } = {}): Promise<TestHub> {
  const hub = createHub({
    store,
    box: createSecretBox('test key material'),
    log: pino({ level: 'silent' }),
    publicUrl: 'http://hub.test',
    findConnector,
    ...(options.now ? { now: options.now } : {}),
  });
  const admin = await seedUser(store, { email: 'admin@example.com', name: 'Admin', role: 'admin' });
  const anna = await seedUser(store, { email: 'anna@example.com', name: 'Anna' });
  const boris = await seedUser(store, { email: 'boris@example.com', name: 'Boris' });
  const { connection } = await createConnection(hub, {
    connectorId: 'fake',
    name: 'Office PBX',
    settings: { secret: FAKE_SECRET, members: '101:Anna,102:Boris', recordingHosts: 'pbx.example' },
  });
  await setBindings(hub, connection.id, [
    { extension: '101', userId: anna.id },
    { extension: '102', userId: boris.id },
  ]);
  const request = (payload: Record<string, unknown>, overrides: Partial<ReceivedRequest> = {}): ReceivedRequest => {
    const body = JSON.stringify(payload);
    return {
      method: 'POST',
      url: `http://hub.test/hooks/${connection.id}/${connection.webhook_token}`,
      path: '/',
      query: {},
      headers: { 'content-type': 'application/json', [FAKE_SIGNATURE_HEADER]: signFakeBody(body, FAKE_SECRET) },
      body,
      ...overrides,
    };
  };
  return {
    hub,
    connection,
    admin,
    anna,
    boris,
    request,
    // Read the connection each time, as the server does, so tests can change its settings between posts.
    post: async (payload) =>
      hub.intake.receive((await store.connections.get(connection.id)) ?? connection, request(payload)),
  };
}
