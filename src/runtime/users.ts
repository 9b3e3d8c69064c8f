/**
 * Users, sign-in sessions and API tokens. Passwords are stored as scrypt hashes; session cookies and
 * API tokens are random and stored only as sha256 (see credentials.ts). Who may change what is decided
 * here, so the HTTP routes and the CLI apply the same rules.
 */
import { StorageError, type ApiToken, type Session, type User, type UserRole } from '../storage/index.js';
import { hashPassword, newSecret, sha256, verifyPassword } from './credentials.js';
import { HubError } from './errors.js';
import type { HubContext } from './hub-context.js';

/** Users need only the store and the clock, so the CLI can use them without a whole hub. */
export type UsersContext = Pick<HubContext, 'store' | 'now'>;

export interface ExtensionView {
  connectionId: string;
  extension: string;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  locale: string | null;
  timeZone: string | null;
  createdAt: string;
  extensions: ExtensionView[];
}

export interface UserInput {
  email?: unknown;
  name?: unknown;
  role?: unknown;
  password?: unknown;
  locale?: unknown;
  timeZone?: unknown;
}

const ROLES: readonly UserRole[] = ['admin', 'agent'];
const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 1024;
export const SESSION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const USER_FIELDS: readonly (keyof UserInput)[] = ['email', 'name', 'role', 'password', 'locale', 'timeZone'];
/** What an agent may change about themselves; the rest is the admin's. */
const SELF_SERVICE_FIELDS: readonly (keyof UserInput)[] = ['name', 'locale', 'timeZone', 'password'];
/** Verified when the email is unknown, so a wrong email takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

/** The user fields of a request body; anything else in it is ignored. */
export function pickUserInput(body: unknown): UserInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HubError('validation', 'Send the user as a JSON object', { field: 'body' });
  }
  const source = body as Record<string, unknown>;
  const input: Record<string, unknown> = {};
  for (const key of USER_FIELDS) if (source[key] !== undefined) input[key] = source[key];
  return input as UserInput;
}

function toUserView(user: User, extensions: readonly ExtensionView[]): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    locale: user.locale,
    timeZone: user.time_zone,
    createdAt: user.created_at,
    extensions: [...extensions],
  };
}

async function extensionsOf(hub: UsersContext, userId: string): Promise<ExtensionView[]> {
  const bindings = await hub.store.connections.bindingsForUser(userId);
  return bindings.map((b) => ({ connectionId: b.connection_id, extension: b.extension }));
}

export async function userView(hub: UsersContext, user: User): Promise<UserView> {
  return toUserView(user, await extensionsOf(hub, user.id));
}

/** Every user by email, each with their extensions (one query per connection, not per user). */
export async function listUsers(hub: UsersContext): Promise<UserView[]> {
  const extensions = new Map<string, ExtensionView[]>();
  for (const connection of await hub.store.connections.list()) {
    for (const binding of await hub.store.connections.listBindings(connection.id)) {
      const list = extensions.get(binding.user_id) ?? [];
      list.push({ connectionId: binding.connection_id, extension: binding.extension });
      extensions.set(binding.user_id, list);
    }
  }
  return (await hub.store.users.list()).map((user) => toUserView(user, extensions.get(user.id) ?? []));
}

export async function getUser(hub: UsersContext, id: string): Promise<User> {
  const user = await hub.store.users.get(id);
  if (!user) throw new HubError('not_found', `There is no user ${id}`);
  return user;
}

export async function findUserByEmail(hub: UsersContext, email: string): Promise<User> {
  const user = await hub.store.users.findByEmail(email);
  if (!user) throw new HubError('not_found', `There is no user with the email ${email}`);
  return user;
}

/** A new user. Without a password one is generated and returned, to be shown once. */
export async function createUser(
  hub: UsersContext,
  input: UserInput,
): Promise<{ user: User; generatedPassword?: string }> {
  const generatedPassword = input.password === undefined || input.password === '' ? newSecret(12) : undefined;
  const password = checkPassword(generatedPassword ?? input.password);
  const at = hub.now().toISOString();
  const user = await mapConflict(
    hub.store.users.create({
      email: checkEmail(input.email),
      name: checkName(input.name),
      role: input.role === undefined ? 'agent' : checkRole(input.role),
      password_hash: await hashPassword(password),
      locale: input.locale === undefined ? null : checkLocale(input.locale),
      time_zone: input.timeZone === undefined ? null : checkTimeZone(input.timeZone),
      created_at: at,
      updated_at: at,
    }),
  );
  return generatedPassword === undefined ? { user } : { user, generatedPassword };
}

/**
 * Changes a user on behalf of `actor`. Admins change anyone; agents only their own name, locale, time zone
 * and password. A new password signs the user out everywhere except `keepSessionId` (the session that
 * changed it). The last admin cannot be demoted.
 */
export async function updateUser(
  hub: UsersContext,
  actor: User,
  id: string,
  input: UserInput,
  keepSessionId?: string,
): Promise<User> {
  if (actor.role !== 'admin') {
    if (actor.id !== id) throw new HubError('forbidden', 'Only an admin can change other users');
    const adminOnly = USER_FIELDS.filter((key) => input[key] !== undefined && !SELF_SERVICE_FIELDS.includes(key));
    if (adminOnly.length > 0) {
      throw new HubError('forbidden', `Only an admin can change ${adminOnly.join(', ')}`);
    }
  }
  const current = await getUser(hub, id);
  const role = input.role === undefined ? undefined : checkRole(input.role);
  if (current.role === 'admin' && role === 'agent' && (await adminCount(hub)) <= 1) {
    throw new HubError('conflict', `${current.email} is the last admin: make another user an admin first`);
  }
  const password = input.password === undefined ? undefined : checkPassword(input.password);
  const updated = await mapConflict(
    hub.store.users.update(id, {
      ...(input.email !== undefined ? { email: checkEmail(input.email) } : {}),
      ...(input.name !== undefined ? { name: checkName(input.name) } : {}),
      ...(role !== undefined ? { role } : {}),
      ...(password !== undefined ? { password_hash: await hashPassword(password) } : {}),
      ...(input.locale !== undefined ? { locale: checkLocale(input.locale) } : {}),
      ...(input.timeZone !== undefined ? { time_zone: checkTimeZone(input.timeZone) } : {}),
      updated_at: hub.now().toISOString(),
    }),
  );
  if (!updated) throw new HubError('not_found', `There is no user ${id}`);
  if (password !== undefined) await hub.store.sessions.deleteUserSessions(id, keepSessionId);
  return updated;
}

/** Deletes a user with their sessions, tokens and bindings; calls and contacts stay, without an owner. */
export async function deleteUser(hub: UsersContext, id: string): Promise<void> {
  const user = await getUser(hub, id);
  if (user.role === 'admin' && (await adminCount(hub)) <= 1) {
    throw new HubError('conflict', `${user.email} is the last admin and cannot be deleted`);
  }
  if (!(await hub.store.users.delete(id))) throw new HubError('not_found', `There is no user ${id}`);
}

export interface NewSession {
  user: User;
  /** The cookie value; only its sha256 is stored. */
  cookie: string;
  session: Session;
}

/** Checks the password and opens a session. One message for a wrong email and a wrong password. */
export async function login(hub: UsersContext, email: string, password: string): Promise<NewSession> {
  const user = await hub.store.users.findByEmail(email);
  const matches = await verifyPassword(
    password,
    user?.password_hash ?? (await (dummyHash ??= hashPassword(newSecret()))),
  );
  if (!user || !user.password_hash || !matches) {
    throw new HubError('unauthorized', 'Wrong email or password');
  }
  const cookie = newSecret();
  const now = hub.now();
  const session = await hub.store.sessions.createSession({
    id: sha256(cookie),
    user_id: user.id,
    csrf_token: newSecret(),
    created_at: now.toISOString(),
    expires_at: sessionExpiry(now),
  });
  return { user, cookie, session };
}

/** Sliding expiry: the session lives another {@link SESSION_DAYS} days from now. */
export async function extendSession(hub: UsersContext, sessionId: string): Promise<string> {
  const expiresAt = sessionExpiry(hub.now());
  await hub.store.sessions.extendSession(sessionId, expiresAt);
  return expiresAt;
}

export async function logout(hub: UsersContext, sessionId: string): Promise<void> {
  await hub.store.sessions.deleteSession(sessionId);
}

/** A new API token for the user; the token itself is returned once and stored only as its sha256. */
export async function createApiToken(
  hub: UsersContext,
  userId: string,
  name: string,
): Promise<{ token: string; record: ApiToken }> {
  const token = newSecret();
  const record = await hub.store.sessions.createToken({
    user_id: userId,
    token_hash: sha256(token),
    name: name.trim() || 'API token',
    created_at: hub.now().toISOString(),
    last_used_at: null,
  });
  return { token, record };
}

/** On an empty database: the first admin. Returns what was created, or undefined when users exist. */
export async function ensureFirstAdmin(
  hub: UsersContext,
  admin: { email: string; password: string | undefined },
): Promise<{ user: User; generatedPassword?: string } | undefined> {
  if ((await hub.store.users.count()) > 0) return undefined;
  return createUser(hub, { email: admin.email, name: 'Administrator', role: 'admin', password: admin.password });
}

function sessionExpiry(now: Date): string {
  return new Date(now.getTime() + SESSION_DAYS * DAY_MS).toISOString();
}

async function adminCount(hub: UsersContext): Promise<number> {
  return (await hub.store.users.list()).filter((user) => user.role === 'admin').length;
}

async function mapConflict<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof StorageError && error.code === 'conflict') throw new HubError('conflict', error.message);
    throw error;
  }
}

function checkEmail(value: unknown): string {
  const email = typeof value === 'string' ? value.trim().toLowerCase() : '';
  // Deliberately loose: a local part, an @ and a host (admin@localhost is valid on a LAN).
  if (!/^[^\s@]+@[^\s@.][^\s@]*$/.test(email) || email.length > 254) {
    throw new HubError('validation', 'The email must look like name@example.com', { field: 'email' });
  }
  return email;
}

function checkName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (!name || name.length > 200) {
    throw new HubError('validation', 'The name must be 1 to 200 characters', { field: 'name' });
  }
  return name;
}

function checkRole(value: unknown): UserRole {
  if (!ROLES.includes(value as UserRole)) {
    throw new HubError('validation', `The role must be one of ${ROLES.join(', ')}`, { field: 'role' });
  }
  return value as UserRole;
}

function checkPassword(value: unknown): string {
  if (typeof value !== 'string' || value.length < MIN_PASSWORD_LENGTH || value.length > MAX_PASSWORD_LENGTH) {
    throw new HubError(
      'validation',
      `The password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long`,
      { field: 'password' },
    );
  }
  return value;
}

/** null or '' clears it (the browser's language is used). */
function checkLocale(value: unknown): string | null {
  if (value === null || value === '') return null;
  try {
    if (typeof value === 'string') return Intl.getCanonicalLocales(value)[0] ?? null;
  } catch {
    // falls through to the validation error
  }
  throw new HubError('validation', 'The locale must be a language tag such as ru or en-US', { field: 'locale' });
}

/** null or '' clears it (the browser's time zone is used). */
function checkTimeZone(value: unknown): string | null {
  if (value === null || value === '') return null;
  try {
    if (typeof value === 'string') return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    // falls through to the validation error
  }
  throw new HubError('validation', 'The time zone must be an IANA name such as Europe/Moscow', { field: 'timeZone' });
}
