/** The Fastify app over a test hub, with API tokens for its users, for `app.inject()` route tests. */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import type { Store, User } from '../storage/index.js';
import { newSecret, sha256 } from '../runtime/credentials.js';
import { buildApp } from '../server/app.js';
import { Counters } from '../server/metrics.js';
import { createTestHub, type TestHub } from './test-hub.js';

export interface TestApp extends TestHub {
  app: FastifyInstance;
  counters: Counters;
  /** `{ authorization: 'Bearer …' }` for the user. */
  auth(user: User): Promise<Record<string, string>>;
}

export async function createTestApp(store: Store, options: { now?: () => Date } = {}): Promise<TestApp> {
  const test = await createTestHub(store, options);
  const counters = new Counters();
  const app = await buildApp({ hub: test.hub, logger: pino({ level: 'silent' }), counters });
  const tokens = new Map<string, string>();
  return {
    ...test,
    app,
    counters,
    async auth(user) {
      let token = tokens.get(user.id);
      if (!token) {
        token = newSecret();
        await store.sessions.createToken({
          id: randomUUID(),
          user_id: user.id,
          token_hash: sha256(token),
          name: 'test',
          created_at: new Date().toISOString(),
          last_used_at: null,
        });
        tokens.set(user.id, token);
      }
      return { authorization: `Bearer ${token}` };
    },
  };
}
