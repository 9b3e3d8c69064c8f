/**
 * Test databases. `describeEachDatabase` runs one suite on SQLite and on PostgreSQL: each test file
 * gets a fresh database per dialect (a temp SQLite file; a new PostgreSQL database, dropped after),
 * emptied before every test. PostgreSQL runs when SWITCHBOARD_TEST_PG_URL is set and is skipped,
 * with that said in the suite title, when it is not.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { openDatabase, type Store } from '../storage/database.js';
import type { SqlDialect } from '../storage/repo-helpers.js';
import type { Database } from '../storage/schema.js';

export const PG_URL_VARIABLE = 'SWITCHBOARD_TEST_PG_URL';

export interface TestStore {
  store: Store;
  /** What `--db` takes to open the same database: the SQLite file or the postgres:// URL. */
  url: string;
  /** Closes the store and deletes its file or database. */
  dispose(): Promise<void>;
}

/** Children before parents, so deleting in this order never trips a foreign key. */
const TABLES: readonly (keyof Database)[] = [
  'event_sources',
  'live_events',
  'webhooks',
  'call_timeline',
  'call_legs',
  'calls',
  'originations',
  'contact_phones',
  'contacts',
  'module_storage',
  'bindings',
  'connections',
  'sessions',
  'api_tokens',
  'users',
];

/** A migrated store on a database of its own. */
export async function createTestStore(dialect: SqlDialect): Promise<TestStore> {
  return openTestStore(dialect);
}

/** Deletes every row (sequences keep counting, so tests must not assume ids). */
export async function clearStore(store: Store): Promise<void> {
  await store.db.transaction().execute(async (tx) => {
    for (const table of TABLES) await tx.deleteFrom(table).execute();
  });
}

/**
 * Defines `title` once per dialect. `getStore()` is valid inside tests and hooks, and returns a
 * store that is empty at the start of every test; `getUrl()` names its database for code that opens
 * its own connection (the CLI's `--db`).
 */
export function describeEachDatabase(title: string, body: SuiteBody): void {
  describeOn('sqlite', `${title} (SQLite)`, body);
  if (process.env[PG_URL_VARIABLE]) {
    describeOn('postgres', `${title} (PostgreSQL)`, body);
  } else {
    const skipped = () => {
      throw new Error('PostgreSQL tests are skipped');
    };
    describe.skip(`${title} (PostgreSQL skipped: set ${PG_URL_VARIABLE}=postgres://… to run)`, () =>
      body(skipped, 'postgres', skipped));
  }
}

type SuiteBody = (getStore: () => Store, dialect: SqlDialect, getUrl: () => string) => void;

function describeOn(dialect: SqlDialect, title: string, body: SuiteBody): void {
  describe(title, () => {
    let testStore: TestStore | undefined;
    beforeAll(async () => {
      testStore = await createTestStore(dialect);
    });
    afterAll(async () => {
      await testStore?.dispose();
    });
    beforeEach(async () => {
      await clearStore(getStore());
    });
    const opened = () => {
      if (testStore === undefined) throw new Error(`The ${dialect} test database did not open: see beforeAll`);
      return testStore;
    };
    const getStore = () => opened().store;
    body(getStore, dialect, () => opened().url);
  });
}

/** An empty database of its own, for a test that opens it itself (e.g. a hub started as a process). */
export interface TestDatabase {
  /** A SQLite file path or a postgres:// URL. */
  target: string;
  /** Deletes the file or drops the database. */
  dispose(): Promise<void>;
}

export async function createTestDatabase(dialect: SqlDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
    return {
      target: join(dir, 'switchboard.sqlite'),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const adminUrl = postgresAdminUrl();
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    target: url.toString(),
    dispose: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`),
  };
}

async function openTestStore(dialect: SqlDialect): Promise<TestStore> {
  const database = await createTestDatabase(dialect);
  let store: Store;
  try {
    store = await openDatabase(database.target);
  } catch (error) {
    await database.dispose();
    throw error;
  }
  return {
    store,
    url: database.target,
    async dispose() {
      await store.close();
      await database.dispose();
    },
  };
}

function postgresAdminUrl(): string {
  const url = process.env[PG_URL_VARIABLE];
  if (!url) throw new Error(`Set ${PG_URL_VARIABLE}=postgres://… to run PostgreSQL tests`);
  return url;
}

async function adminQuery(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
