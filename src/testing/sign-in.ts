/** Browser-style sign-in for route tests: a password for a seeded user, then the session cookie and CSRF token. */
import type { FastifyInstance } from 'fastify';
import type { Store, User } from '../storage/index.js';
import { hashPassword } from '../runtime/credentials.js';

export interface SignedIn {
  /** The raw `sb_session` value. */
  cookie: string;
  csrfToken: string;
  /** Headers for reads: the cookie only. */
  read: Record<string, string>;
  /** Headers for writes: the cookie and the CSRF token. */
  write: Record<string, string>;
}

export async function setPassword(store: Store, user: User, password: string): Promise<void> {
  await store.users.update(user.id, { password_hash: await hashPassword(password), updated_at: user.updated_at });
}

export async function signIn(app: FastifyInstance, email: string, password: string): Promise<SignedIn> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (response.statusCode !== 200) throw new Error(`Sign-in failed with ${response.statusCode}: ${response.body}`);
  const cookie = response.cookies.find((c) => c.name === 'sb_session')?.value;
  if (!cookie) throw new Error('Sign-in set no sb_session cookie');
  const { csrfToken } = response.json<{ csrfToken: string }>();
  return {
    cookie,
    csrfToken,
    read: { cookie: `sb_session=${cookie}` },
    write: { cookie: `sb_session=${cookie}`, 'x-csrf-token': csrfToken },
  };
}
