/** What every repository shares: errors, ids, transactions, pages and LIKE patterns. */
import { randomUUID } from 'node:crypto';
import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from './schema.js';

export type SqlDialect = 'sqlite' | 'postgres';

/**
 * `conflict`: a unique key is taken. `invalid_input`: a bad cursor, limit or row shape.
 * `unavailable`: the database cannot be opened or migrated.
 */
export type StorageErrorCode = 'conflict' | 'invalid_input' | 'unavailable';

export class StorageError extends Error {
  override readonly name = 'StorageError';

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A unique or primary-key violation, from either driver. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Awaits a write and turns a unique violation into a `conflict` StorageError with a readable message. */
export async function failOnDuplicate<T>(write: Promise<T>, message: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw new StorageError('conflict', message, { cause: error });
    throw error;
  }
}

/** Runs `fn` in a new transaction, or directly when `db` is already one (Kysely has no nested transactions). */
export function inTransaction<T>(db: Kysely<Database>, fn: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/** An insert whose `id` may be left out: the repository then assigns `crypto.randomUUID()`. */
export type NewRow<T extends { id: string }> = Omit<T, 'id'> & { id?: string };

export function withId<T extends { id?: string }>(row: T): T & { id: string } {
  return { ...row, id: row.id ?? randomUUID() };
}

/** One page of a newest-first or alphabetical list; pass `nextCursor` back to get the next page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new StorageError(
      'invalid_input',
      `The page size must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`,
    );
  }
  return limit;
}

/** Cuts the extra row fetched to learn whether another page exists. */
export function toPage<T>(rows: T[], limit: number, cursorOf: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

/** Cursors are opaque to clients: base64url of a JSON array of the sort key. */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor(cursor: string, kinds: readonly ('string' | 'number')[]): unknown[] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== kinds.length ||
    parts.some((part, i) => typeof part !== kinds[i] || (typeof part === 'number' && !Number.isSafeInteger(part)))
  ) {
    throw new StorageError(
      'invalid_input',
      'The page cursor is not valid: pass back the nextCursor of the previous page',
    );
  }
  return parts;
}

export function decodeKeyCursor(cursor: string): [string, string] {
  return decodeCursor(cursor, ['string', 'string']) as [string, string];
}

export function decodeIdCursor(cursor: string): number {
  return decodeCursor(cursor, ['number'])[0] as number;
}

/** Makes `%`, `_` and `\` in user text match themselves. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** LIKE with an explicit escape character: SQLite has no default one, PostgreSQL defaults to `\`. */
export function like(value: Expression<string | null>, pattern: string | Expression<string>): RawBuilder<SqlBool> {
  return sql<SqlBool>`${value} like ${pattern} escape '\\'`;
}
