import type { Insertable, Kysely } from 'kysely';
import { failOnDuplicate, inTransaction, withId, type NewRow } from './repo-helpers.js';
import type { Binding, Connection, ConnectionsTable, Database } from './schema.js';

export type NewConnection = NewRow<Insertable<ConnectionsTable>>;
export type ConnectionPatch = Partial<Omit<Insertable<ConnectionsTable>, 'id' | 'created_at'>> & {
  updated_at: string;
};

const TOKEN_TAKEN = 'Another connection already uses this webhook token: generate a new one';

/** Connections, their extension-to-user bindings and the modules' key-value storage. */
export class ConnectionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Throws StorageError `conflict` when the webhook token is taken. */
  create(input: NewConnection): Promise<Connection> {
    return failOnDuplicate(
      this.db.insertInto('connections').values(withId(input)).returningAll().executeTakeFirstOrThrow(),
      TOKEN_TAKEN,
    );
  }

  get(id: string): Promise<Connection | undefined> {
    return this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByWebhookToken(token: string): Promise<Connection | undefined> {
    return this.db.selectFrom('connections').selectAll().where('webhook_token', '=', token).executeTakeFirst();
  }

  /** Oldest first: the order the admin added them. */
  list(): Promise<Connection[]> {
    return this.db.selectFrom('connections').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  update(id: string, patch: ConnectionPatch): Promise<Connection | undefined> {
    return failOnDuplicate(
      this.db.updateTable('connections').set(patch).where('id', '=', id).returningAll().executeTakeFirst(),
      TOKEN_TAKEN,
    );
  }

  /** Deletes the connection's whole history too: calls, webhooks, bindings, storage, originations. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** By extension. */
  listBindings(connectionId: string): Promise<Binding[]> {
    return this.db
      .selectFrom('bindings')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .orderBy('extension')
      .execute();
  }

  /** The bindings of these extensions only: an event names a few of a connection's many. */
  bindingsOf(connectionId: string, extensions: readonly string[]): Promise<Binding[]> {
    if (extensions.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('bindings')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('extension', 'in', [...extensions])
      .execute();
  }

  findBinding(connectionId: string, extension: string): Promise<Binding | undefined> {
    return this.db
      .selectFrom('bindings')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('extension', '=', extension)
      .executeTakeFirst();
  }

  /** A user's extensions across connections (click-to-call picks one). */
  bindingsForUser(userId: string): Promise<Binding[]> {
    return this.db
      .selectFrom('bindings')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('connection_id')
      .orderBy('extension')
      .execute();
  }

  /** Binds an extension, replacing whoever had it. */
  async setBinding(binding: Binding): Promise<void> {
    await this.db
      .insertInto('bindings')
      .values(binding)
      .onConflict((oc) => oc.columns(['connection_id', 'extension']).doUpdateSet({ user_id: binding.user_id }))
      .execute();
  }

  async removeBinding(connectionId: string, extension: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('bindings')
      .where('connection_id', '=', connectionId)
      .where('extension', '=', extension)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The mapping table's Save: all or nothing. Throws `conflict` when an extension is listed twice. */
  async replaceBindings(
    connectionId: string,
    bindings: readonly { extension: string; user_id: string }[],
  ): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await tx.deleteFrom('bindings').where('connection_id', '=', connectionId).execute();
      if (bindings.length === 0) return;
      await failOnDuplicate(
        tx
          .insertInto('bindings')
          .values(bindings.map((b) => ({ connection_id: connectionId, extension: b.extension, user_id: b.user_id })))
          .execute(),
        'An extension can be bound to one user only: remove the duplicate extension',
      );
    });
  }

  async getItem(connectionId: string, key: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('module_storage')
      .select('value')
      .where('connection_id', '=', connectionId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.value;
  }

  async setItem(connectionId: string, key: string, value: string): Promise<void> {
    await this.db
      .insertInto('module_storage')
      .values({ connection_id: connectionId, key, value })
      .onConflict((oc) => oc.columns(['connection_id', 'key']).doUpdateSet({ value }))
      .execute();
  }

  async removeItem(connectionId: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('module_storage')
      .where('connection_id', '=', connectionId)
      .where('key', '=', key)
      .execute();
  }
}
