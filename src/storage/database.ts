/**
 * Opens the one database Switchboard uses: SQLite (a file, or `:memory:`) by default, PostgreSQL
 * for a `postgres://` URL. Both run the same migrations and the same repositories.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Dialect,
  type LogEvent,
  type SqliteDatabase,
} from 'kysely';
import pg from 'pg';
import { CallsRepo } from './calls-repo.js';
import { ConnectionsRepo } from './connections-repo.js';
import { ContactsRepo } from './contacts-repo.js';
import { EventSourcesRepo } from './event-sources-repo.js';
import { EventsRepo } from './events-repo.js';
import { migrationProvider } from './migrations/index.js';
import { OriginationsRepo } from './originations-repo.js';
import { openPgChannel, type Channel } from './pg-channel.js';
import { openPgLock, type SharedLock } from './pg-lock.js';
import { StorageError, type SqlDialect } from './repo-helpers.js';
import type { Database } from './schema.js';
import { ScriptModulesRepo } from './script-modules-repo.js';
import { SessionsRepo } from './sessions-repo.js';
import { UsersRepo } from './users-repo.js';
import { WebhooksRepo } from './webhooks-repo.js';

/** The part of a pino logger storage uses. */
export interface StorageLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface OpenDatabaseOptions {
  /** Queries and their errors at debug, applied migrations at info, lost PostgreSQL connections at warn. */
  log?: StorageLogger;
}

export interface Repositories {
  users: UsersRepo;
  sessions: SessionsRepo;
  connections: ConnectionsRepo;
  contacts: ContactsRepo;
  calls: CallsRepo;
  webhooks: WebhooksRepo;
  events: EventsRepo;
  originations: OriginationsRepo;
  scriptModules: ScriptModulesRepo;
  eventSources: EventSourcesRepo;
}

export interface Store extends Repositories {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  /** Runs `fn` with repositories bound to one transaction: everything it writes lands, or nothing. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only: a LISTEN/NOTIFY channel shared by every process on this database (several hub
   * instances). SQLite has one writer process, so it has none.
   */
  openChannel?(name: string): Channel;
  /**
   * PostgreSQL only: a lock held across every process on this database. On SQLite one process
   * writes, and its in-process queues are enough.
   */
  lock?: SharedLock;
  /** Closes the connection (pool); calling it again does nothing. */
  close(): Promise<void>;
}

const SQLITE_BUSY_TIMEOUT_MS = 5000;

export function createRepositories(db: Kysely<Database>, dialect: SqlDialect): Repositories {
  return {
    users: new UsersRepo(db),
    sessions: new SessionsRepo(db),
    connections: new ConnectionsRepo(db),
    contacts: new ContactsRepo(db, dialect),
    calls: new CallsRepo(db),
    webhooks: new WebhooksRepo(db),
    events: new EventsRepo(db),
    originations: new OriginationsRepo(db),
    scriptModules: new ScriptModulesRepo(db),
    eventSources: new EventSourcesRepo(db),
  };
}

/**
 * `target`: a SQLite file path (its folder is created), `:memory:`, or a `postgres://` /
 * `postgresql://` URL. Applies pending migrations before returning.
 * Throws StorageError `unavailable` when the database cannot be opened or migrated.
 */
export async function openDatabase(target: string, opts: OpenDatabaseOptions = {}): Promise<Store> {
  const dialect: SqlDialect = /^postgres(ql)?:\/\//i.test(target) ? 'postgres' : 'sqlite';
  const where = describeTarget(target, dialect);
  const log = opts.log;
  let db: Kysely<Database> | undefined;
  try {
    db = new Kysely<Database>({
      dialect: dialect === 'postgres' ? postgresDialect(target, log) : sqliteDialect(target),
      ...(log && { log: (event: LogEvent) => logQuery(log, event) }),
    });
    await migrate(db, dialect, log);
  } catch (error) {
    await db?.destroy();
    const reason = error instanceof Error ? error.message : String(error);
    throw new StorageError('unavailable', `Cannot open the database ${where}: ${reason}`, { cause: error });
  }

  const opened = db;
  const lock = dialect === 'postgres' ? openPgLock(target) : undefined;
  let closing: Promise<void> | undefined;
  return {
    ...createRepositories(opened, dialect),
    db: opened,
    dialect,
    transaction: (fn) => opened.transaction().execute((tx) => fn(createRepositories(tx, dialect))),
    close: () => (closing ??= Promise.all([opened.destroy(), lock?.close()]).then(() => undefined)),
    ...(lock && { lock }),
    ...(dialect === 'postgres' && {
      openChannel: (name: string) =>
        openPgChannel({
          url: target,
          name,
          notify: async (channel, message) => {
            await sql`select pg_notify(${channel}, ${message})`.execute(opened);
          },
          ...(log && { log }),
        }),
    }),
  };
}

function sqliteDialect(target: string): Dialect {
  if (target.trim() === '') throw new Error('the path is empty: give a file path, :memory: or a postgres:// URL');
  if (target !== ':memory:') mkdirSync(dirname(resolve(target)), { recursive: true });
  const database = new SQLite(target);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // SQLite's lower() folds ASCII only; PostgreSQL's folds every letter. Same search on both.
    database.function('lower', { deterministic: true }, (value: unknown) =>
      value === null ? null : String(value).toLowerCase(),
    );
  } catch (error) {
    database.close();
    throw error;
  }
  return new SqliteDialect({ database: withStatementCache(database) });
}

/**
 * Kysely prepares every query it runs, and better-sqlite3 compiles the SQL on each prepare(): in the
 * webhook path's CPU profile (BENCHMARKS.md, section 4) prepare() was the largest item of ours. The
 * compiled statements are kept by SQL text, the most recently used `size` of them (texts with lists,
 * `in (?, ?, …)`, vary with the list's length). Reuse is safe: Kysely runs one query at a time on
 * SQLite's single connection, and SQLite re-prepares a statement itself after a schema change.
 */
function withStatementCache(database: SQLite.Database, size = 500): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text) {
      const cached = statements.get(text);
      if (cached) {
        statements.delete(text);
        statements.set(text, cached);
        return cached;
      }
      const statement = database.prepare(text);
      statements.set(text, statement);
      if (statements.size > size) statements.delete(statements.keys().next().value as string);
      return statement;
    },
  };
}

function postgresDialect(url: string, log: StorageLogger | undefined): Dialect {
  const pool = new pg.Pool({
    connectionString: url,
    // Sequences and count(*) are int8, which pg returns as strings; our ids and counts fit a number.
    types: {
      getTypeParser: (oid, format) =>
        oid === pg.types.builtins.INT8 ? parseInt8 : pg.types.getTypeParser(oid, format),
    },
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (error) => log?.warn({ err: error }, 'PostgreSQL connection lost'));
  return new PostgresDialect({ pool });
}

function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`The int8 value ${value} does not fit a JavaScript number`);
  return n;
}

async function migrate(db: Kysely<Database>, dialect: SqlDialect, log: StorageLogger | undefined) {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const result of results) {
    if (result.status === 'Success') log?.info({ migration: result.migrationName }, 'Applied database migration');
  }
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(failed === undefined ? reason : `migration ${failed} failed: ${reason}`, { cause: error });
  }
}

function logQuery(log: StorageLogger, event: LogEvent) {
  const detail = { sql: event.query.sql, durationMs: Math.round(event.queryDurationMillis) };
  if (event.level === 'query') log.debug(detail, 'SQL query');
  else log.debug({ ...detail, err: event.error }, 'SQL query failed');
}

/** For messages: the file, or the URL without its password. */
function describeTarget(target: string, dialect: SqlDialect): string {
  if (dialect === 'sqlite') return target === ':memory:' ? 'in memory' : `at ${target}`;
  try {
    const url = new URL(target);
    if (url.password !== '') url.password = '***';
    return `at ${url.toString()}`;
  } catch {
    return '(the PostgreSQL URL does not parse)';
  }
}
