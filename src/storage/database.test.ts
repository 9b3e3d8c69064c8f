import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { at, buildCall, seedConnection, seedUser } from '../testing/storage-fixtures.js';
import { openDatabase, type StorageLogger, type Store } from './database.js';
import { StorageError } from './repo-helpers.js';

describe('openDatabase on SQLite files', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-db-'));
    dirs.push(dir);
    return dir;
  };
  const open = async (target: string, log?: StorageLogger) => {
    const store = await openDatabase(target, log && { log });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates missing folders and sets WAL, foreign keys and a busy timeout', async () => {
    const file = join(tempDir(), 'nested', 'deeper', 'switchboard.sqlite');
    const store = await open(file);
    expect(statSync(file).isFile()).toBe(true);
    const pragma = async (name: string) =>
      Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(store.db)).rows[0] ?? {})[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(5000);
    expect(store.dialect).toBe('sqlite');
  });

  it('keeps data across reopening and applies each migration once', async () => {
    const file = join(tempDir(), 'switchboard.sqlite');
    const messages: string[] = [];
    const log: StorageLogger = {
      debug: () => {},
      info: (obj, msg) => messages.push(`${msg} ${(obj as { migration: string }).migration}`),
      warn: () => {},
    };
    const first = await open(file, log);
    await seedUser(first, { email: 'kept@example.com' });
    await first.close();
    const second = await open(file, log);
    expect(await second.users.findByEmail('kept@example.com')).toBeDefined();
    expect(messages).toEqual([
      'Applied database migration 0001-initial',
      'Applied database migration 0002-call-inputs',
      'Applied database migration 0003-script-modules',
      'Applied database migration 0004-event-sources',
      'Applied database migration 0005-reads-at-scale',
    ]);
  });

  it('logs queries at debug when given a logger', async () => {
    const queries: string[] = [];
    const store = await open(':memory:', {
      debug: (obj) => queries.push((obj as { sql: string }).sql),
      info: () => {},
      warn: () => {},
    });
    await store.users.count();
    expect(queries.some((q) => /select count\(\*\)/i.test(q))).toBe(true);
  });

  it('close() can be called twice', async () => {
    const store = await open(':memory:');
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });

  it.each([
    ['a folder instead of a file', () => tempDir()],
    ['an empty path', () => ''],
    [
      'a file that is not a database',
      () => {
        const file = join(tempDir(), 'notes.txt');
        writeFileSync(file, 'These are not the tables you are looking for.\n'.repeat(100));
        return file;
      },
    ],
  ])('rejects %s with an unavailable StorageError', async (_, target) => {
    const error = await openDatabase(target()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('unavailable');
    expect((error as StorageError).message).toMatch(/^Cannot open the database/);
  });

  it('names an unreachable PostgreSQL server without its password', async () => {
    const error = await openDatabase('postgres://sb:s3cret@127.0.0.1:1/nowhere').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toContain('postgres://sb:***@127.0.0.1:1/nowhere');
    expect((error as StorageError).message).not.toContain('s3cret');
  });
});

/** The indexes the runtime's queries rely on, by name, and the columns each one starts with. */
const REQUIRED_INDEXES: [table: string, columns: string[], unique: boolean][] = [
  ['users', ['email'], true],
  ['api_tokens', ['token_hash'], true],
  ['connections', ['webhook_token'], true],
  ['bindings', ['connection_id', 'extension'], true],
  ['module_storage', ['connection_id', 'key'], true],
  ['contact_phones', ['number'], false],
  ['calls', ['connection_id', 'external_id'], false],
  ['calls', ['connection_id', 'status'], false],
  ['calls', ['started_at', 'id'], false],
  ['calls', ['owner_id'], false],
  ['calls', ['contact_id'], false],
  ['call_legs', ['call_id'], false],
  ['call_legs', ['user_id'], false],
  ['webhooks', ['connection_id', 'fingerprint', 'received_at'], false],
  ['webhooks', ['status'], false],
  ['live_events', ['user_id', 'id'], false],
];

type IndexListRow = { name: string; unique: number };

describeEachDatabase('the schema', (getStore, dialect) => {
  async function indexes(table: string): Promise<{ columns: string[]; unique: boolean }[]> {
    const db = getStore().db;
    if (dialect === 'sqlite') {
      const list = await sql<IndexListRow>`select name, "unique" from pragma_index_list(${table})`.execute(db);
      return Promise.all(
        list.rows.map(async (index) => {
          const info = await sql<{ name: string }>`select name from pragma_index_info(${index.name})`.execute(db);
          return { columns: info.rows.map((c) => c.name), unique: index.unique === 1 };
        }),
      );
    }
    const list = await sql<{ columns: string[]; unique: boolean }>`
      select array(select a.attname from unnest(i.indkey) with ordinality k(attnum, n)
                   join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.n)::text[] as columns,
             i.indisunique as unique
      from pg_index i where i.indrelid = ${table}::regclass`.execute(db);
    return list.rows;
  }

  it.each(REQUIRED_INDEXES)('%s has an index on %j (unique: %s)', async (table, columns, unique) => {
    const found = await indexes(table);
    expect(found).toContainEqual({ columns, unique });
  });

  it.each(['contact_phones', 'call_timeline', 'webhooks', 'live_events'] as const)(
    '%s ids are increasing JavaScript numbers',
    async (table) => {
      const store = getStore();
      const user = await seedUser(store);
      const connection = await seedConnection(store);
      const insertOne = async (): Promise<number> => {
        switch (table) {
          case 'contact_phones': {
            const contact = await store.contacts.create({
              name: 'C',
              created_at: at(0),
              updated_at: at(0),
              phones: [{ number: '+1', raw: '1' }],
            });
            return contact.phones[0]!.id;
          }
          case 'call_timeline': {
            const call = buildCall(connection.id);
            await store.calls.save({ call, legs: [] }, [{ at: at(0), kind: 'event.start', detail: '{}' }]);
            return (await store.calls.get(call.id))!.timeline[0]!.id;
          }
          case 'webhooks':
            return (
              await store.webhooks.insertPending({
                connection_id: connection.id,
                method: 'POST',
                path: '/',
                query: '{}',
                headers: '{}',
                body: '',
                received_at: at(0),
                fingerprint: 'f',
              })
            ).id;
          case 'live_events':
            return store.events.append({ user_id: user.id, type: 't', payload: '{}', created_at: at(0) });
        }
      };
      const first = await insertOne();
      const second = await insertOne();
      expect(typeof first).toBe('number');
      expect(second).toBeGreaterThan(first);
    },
  );

  it('returns counts as numbers', async () => {
    await seedUser(getStore());
    const { count } = await getStore()
      .db.selectFrom('users')
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    expect(count).toBe(1);
  });

  it('enforces foreign keys', async () => {
    const error = await getStore()
      .sessions.createSession({
        id: 'x',
        user_id: 'no-such-user',
        csrf_token: 'c',
        created_at: at(0),
        expires_at: at(1000),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(await getStore().db.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });

  it('transaction() commits every write together', async () => {
    const store = getStore();
    await store.transaction(async (tx) => {
      const user = await seedUser(tx);
      await tx.sessions.createSession({
        id: 's',
        user_id: user.id,
        csrf_token: 'c',
        created_at: at(0),
        expires_at: at(9),
      });
    });
    expect(await store.users.count()).toBe(1);
    expect(await store.sessions.findSession('s', at(1))).toBeDefined();
  });

  it('transaction() writes nothing when the callback throws', async () => {
    const store = getStore();
    const failure = store.transaction(async (tx) => {
      await seedUser(tx);
      await tx.connections.replaceBindings('no-such-connection', [{ extension: '1', user_id: 'nobody' }]);
    });
    await expect(failure).rejects.toThrow();
    expect(await store.users.count()).toBe(0);
  });
});
