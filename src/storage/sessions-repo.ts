import type { Insertable, Kysely } from 'kysely';
import { failOnDuplicate, withId, type NewRow } from './repo-helpers.js';
import type { ApiToken, ApiTokensTable, Database, Session, SessionsTable, User } from './schema.js';

export type NewSession = Insertable<SessionsTable>;
export type NewApiToken = NewRow<Insertable<ApiTokensTable>>;

/** Browser sessions (the id is the sha256 of the cookie) and API tokens (found by the sha256 of the token). */
export class SessionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  createSession(session: NewSession): Promise<Session> {
    return this.db.insertInto('sessions').values(session).returningAll().executeTakeFirstOrThrow();
  }

  /** The session and its user, unless the session is unknown or expired at `now`. */
  async findSession(id: string, now: string): Promise<{ session: Session; user: User } | undefined> {
    const session = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', id)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (session === undefined) return undefined;
    const user = await this.userOf(session.user_id);
    return user && { session, user };
  }

  /** Sliding expiry. False when the session no longer exists. */
  async extendSession(id: string, expiresAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ expires_at: expiresAt })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteSession(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Signs the user out everywhere, except in `keepId` (the session that changed the password). */
  async deleteUserSessions(userId: string, keepId?: string): Promise<number> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepId !== undefined) query = query.where('id', '!=', keepId);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpiredSessions(now: string): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Throws StorageError `conflict` when the hash already exists. */
  createToken(input: NewApiToken): Promise<ApiToken> {
    return failOnDuplicate(
      this.db.insertInto('api_tokens').values(withId(input)).returningAll().executeTakeFirstOrThrow(),
      'An API token with this hash already exists: generate a new token',
    );
  }

  async findToken(tokenHash: string): Promise<{ token: ApiToken; user: User } | undefined> {
    const token = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (token === undefined) return undefined;
    const user = await this.userOf(token.user_id);
    return user && { token, user };
  }

  async touchToken(id: string, usedAt: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: usedAt }).where('id', '=', id).execute();
  }

  /** Newest first. */
  listTokens(userId: string): Promise<ApiToken[]> {
    return this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /** With `userId`, deletes only that user's token (a user revoking their own). */
  async deleteToken(id: string, userId?: string): Promise<boolean> {
    let query = this.db.deleteFrom('api_tokens').where('id', '=', id);
    if (userId !== undefined) query = query.where('user_id', '=', userId);
    const result = await query.executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  private userOf(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
