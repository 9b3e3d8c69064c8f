import type { Insertable, Kysely } from 'kysely';
import { failOnDuplicate, withId, type NewRow } from './repo-helpers.js';
import type { Database, User, UsersTable } from './schema.js';

export type NewUser = NewRow<Insertable<UsersTable>>;
export type UserPatch = Partial<Omit<Insertable<UsersTable>, 'id' | 'created_at'>> & { updated_at: string };

/** Emails are stored trimmed and lower-cased, so lookups ignore case. */
function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class UsersRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Throws StorageError `conflict` when the email is taken. */
  create(input: NewUser): Promise<User> {
    const row = { ...withId(input), email: normaliseEmail(input.email) };
    return failOnDuplicate(
      this.db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow(),
      `A user with the email ${row.email} already exists`,
    );
  }

  get(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByEmail(email: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
  }

  /** Every user, by email (unique, so the order is total). */
  list(): Promise<User[]> {
    return this.db.selectFrom('users').selectAll().orderBy('email').execute();
  }

  async count(): Promise<number> {
    const { count } = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /** Returns the updated user, or undefined when there is none with this id. Throws `conflict` on a taken email. */
  update(id: string, patch: UserPatch): Promise<User | undefined> {
    const row = patch.email === undefined ? patch : { ...patch, email: normaliseEmail(patch.email) };
    return failOnDuplicate(
      this.db.updateTable('users').set(row).where('id', '=', id).returningAll().executeTakeFirst(),
      `A user with the email ${row.email ?? ''} already exists`,
    );
  }

  /** Also deletes the user's sessions, tokens, bindings and live events; calls and contacts keep a null owner. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
