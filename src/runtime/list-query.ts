/** Query-string values of list endpoints, checked so a bad one is a 400 naming it, never a 500. */
import { MAX_PAGE_SIZE, StorageError } from '../storage/index.js';
import { HubError } from './errors.js';

export type QueryValues = Record<string, unknown>;

/** A single string value, or undefined when absent or empty. */
export function queryText(query: QueryValues, field: string): string | undefined {
  const value = query[field];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new HubError('validation', `Give ${field} once`, { field });
  return value;
}

export function queryChoice<T extends string>(query: QueryValues, field: string, choices: readonly T[]): T | undefined {
  const value = queryText(query, field);
  if (value === undefined || (choices as readonly string[]).includes(value)) return value as T | undefined;
  throw new HubError('validation', `${field} must be one of ${choices.join(', ')}, not "${value}"`, { field });
}

export function queryBoolean(query: QueryValues, field: string): boolean | undefined {
  const value = queryChoice(query, field, ['true', 'false', '1', '0']);
  return value === undefined ? undefined : value === 'true' || value === '1';
}

/** An ISO-8601 time (a date alone means its UTC midnight), as the stored ISO string. */
export function queryTime(query: QueryValues, field: string): string | undefined {
  const value = queryText(query, field);
  if (value === undefined) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) {
    throw new HubError('validation', `${field} must be an ISO time such as 2024-05-01T10:00:00Z, not "${value}"`, {
      field,
    });
  }
  return new Date(time).toISOString();
}

export function queryPage(query: QueryValues): { cursor?: string; limit?: number } {
  const cursor = queryText(query, 'cursor');
  const limitText = queryText(query, 'limit');
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)) {
    throw new HubError('validation', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`, { field: 'limit' });
  }
  return { ...(cursor === undefined ? {} : { cursor }), ...(limit === undefined ? {} : { limit }) };
}

/** A list read whose only bad input left is a cursor the client made up. */
export async function withCursor<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof StorageError && error.code === 'invalid_input') {
      throw new HubError('validation', error.message, { field: 'cursor' });
    }
    throw error;
  }
}
