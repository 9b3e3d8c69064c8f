/**
 * Signing in and out, and "who am I". The session cookie is HttpOnly and SameSite=Lax, Secure when the
 * request came over HTTPS (directly or as X-Forwarded-Proto from the proxy); writes made with it must
 * carry the CSRF token returned here (see auth.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HubError } from '../../runtime/errors.js';
import type { Hub } from '../../runtime/hub.js';
import { SESSION_DAYS, extendSession, login, logout, userView } from '../../runtime/users.js';
import { SESSION_COOKIE, currentUser, requireUser } from '../auth.js';
import { LoginLimit } from '../login-limit.js';

export interface AuthRouteOptions {
  /** Failed sign-ins allowed per client address and email within `windowMs`. */
  maxFailures?: number;
  windowMs?: number;
}

export function authRoutes(hub: Hub, options: AuthRouteOptions = {}) {
  const limit = new LoginLimit({
    maxFailures: options.maxFailures ?? 10,
    windowMs: options.windowMs ?? 15 * 60 * 1000,
    now: () => hub.now().getTime(),
  });

  return async (scope: FastifyInstance) => {
    scope.post('/api/v1/auth/login', async (request, reply) => {
      const { email, password } = credentialsOf(request.body);
      const waitMs = limit.retryAfter(request.ip, email);
      if (waitMs > 0) {
        const minutes = Math.ceil(waitMs / 60_000);
        void reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
        throw new HubError(
          'rate_limited',
          `Too many failed sign-ins for ${email}: try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
        );
      }
      let signedIn;
      try {
        signedIn = await login(hub, email, password);
      } catch (error) {
        if (error instanceof HubError && error.code === 'unauthorized') limit.fail(request.ip, email);
        throw error;
      }
      limit.succeed(request.ip, email);
      setSessionCookie(request, reply, signedIn.cookie);
      return { user: await userView(hub, signedIn.user), csrfToken: signedIn.session.csrf_token };
    });

    scope.post('/api/v1/auth/logout', { onRequest: requireUser }, async (request, reply) => {
      if (request.principal?.sessionId) await logout(hub, request.principal.sessionId);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    });

    scope.get('/api/v1/me', { onRequest: requireUser }, async (request, reply) => {
      const { sessionId, csrfToken } = request.principal ?? {};
      const cookie = request.cookies[SESSION_COOKIE];
      // The browser's app asks this on every load: a good moment to slide the session's expiry.
      if (sessionId && cookie) {
        await extendSession(hub, sessionId);
        setSessionCookie(request, reply, cookie);
      }
      const user = await userView(hub, currentUser(request));
      return {
        user,
        ...(csrfToken ? { csrfToken } : {}),
        extensions: user.extensions,
      };
    });
  };
}

function credentialsOf(body: unknown): { email: string; password: string } {
  const { email, password } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof email !== 'string' || !email.trim()) {
    throw new HubError('validation', 'Enter your email', { field: 'email' });
  }
  if (typeof password !== 'string' || !password) {
    throw new HubError('validation', 'Enter your password', { field: 'password' });
  }
  return { email: email.trim(), password };
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string): void {
  void reply.setCookie(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: request.protocol === 'https',
    maxAge: SESSION_DAYS * 24 * 60 * 60,
  });
}
