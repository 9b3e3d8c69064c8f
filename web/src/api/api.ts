/** The one API client of the page, and who hears that the session ended. */
import { ApiError, createApiClient } from './client.js';
import type { MessageKey, Params } from '../i18n/i18n.js';
import type { Page, User } from './types.js';

const unauthorizedListeners = new Set<() => void>();

export const api = createApiClient({
  onUnauthorized: () => {
    for (const listener of unauthorizedListeners) listener();
  },
});

/** Every user (admins only): the API pages the list, and one page holds them all. */
export async function listUsers(signal?: AbortSignal): Promise<User[]> {
  return (await api.get<Page<User>>('/users', { signal })).items;
}

export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** What to tell the user about a failed request: the server's message when it sent one. */
export function errorText(error: unknown, t: (key: MessageKey, params?: Params) => string): string {
  if (error instanceof ApiError) {
    if (error.message) return error.message;
    if (error.status === 403) return t('error.forbidden');
    if (error.status === 404) return t('error.notFound');
    return t('error.http', { status: error.status });
  }
  if (error instanceof DOMException && error.name === 'AbortError') return t('error.aborted');
  if (error instanceof TypeError) return t('error.network');
  return t('error.unexpected');
}
