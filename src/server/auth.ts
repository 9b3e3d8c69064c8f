/**
 * Who is asking. A request is authenticated by the session cookie (browsers) or by
 * `Authorization: Bearer <token>` (API clients, scripts). Cookie-authenticated writes must carry the
 * session's CSRF token in `X-CSRF-Token`; bearer tokens cannot be sent by a foreign page, so they need none.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../storage/index.js';
import { sameSecret, sha256 } from '../runtime/credentials.js';
import { HubError } from '../runtime/errors.js';
import type { Hub } from '../runtime/hub.js';

export const SESSION_COOKIE = 'sb_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Principal {
  user: User;
  via: 'session' | 'token';
  /** The session id (hashed), when signed in through the browser. */
  sessionId?: string;
  csrfToken?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Resolves the principal of a request, or null. Never throws for bad credentials: routes decide. */
export async function identify(hub: Hub, request: FastifyRequest): Promise<Principal | null> {
  const now = hub.now().toISOString();
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const found = await hub.store.sessions.findToken(sha256(header.slice(7).trim()));
    if (!found) return null;
    await hub.store.sessions.touchToken(found.token.id, now);
    return { user: found.user, via: 'token' };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return null;
  const found = await hub.store.sessions.findSession(sha256(cookie), now);
  if (!found) return null;
  return { user: found.user, via: 'session', sessionId: found.session.id, csrfToken: found.session.csrf_token };
}

/** An onRequest hook (before the body is read or validated): any signed-in user; checks CSRF on cookie-authenticated writes. */
export async function requireUser(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const principal = request.principal;
  if (!principal) throw new HubError('unauthorized', 'Sign in first, or send an API token as Authorization: Bearer');
  if (principal.via === 'session' && !SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !principal.csrfToken || !sameSecret(sent, principal.csrfToken)) {
      throw new HubError('forbidden', 'The request lacks the X-CSRF-Token of your session: reload the page');
    }
  }
}

/** An onRequest hook: admins only. */
export async function requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  await requireUser(request, reply);
  if (request.principal?.user.role !== 'admin') {
    throw new HubError('forbidden', 'Only an admin can do this');
  }
}

/** The signed-in user; use after `requireUser`. */
export function currentUser(request: FastifyRequest): User {
  if (!request.principal) throw new HubError('unauthorized', 'Sign in first');
  return request.principal.user;
}
