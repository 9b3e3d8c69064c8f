import { describe, expect, it, vi } from 'vitest';
import { ApiError, buildQuery, createApiClient } from './client.js';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function fakeServer(reply: (sent: Sent) => Response) {
  const sent: Sent[] = [];
  const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    const request = {
      url: String(url),
      method: init?.method ?? 'GET',
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body as string | undefined,
    };
    sent.push(request);
    return reply(request);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, sent };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('buildQuery', () => {
  it('leaves out unset values and encodes the rest', () => {
    expect(buildQuery({ phone: '+7 912', missed: true, limit: 50, cursor: null, userId: undefined, status: '' })).toBe(
      '?phone=%2B7+912&missed=true&limit=50',
    );
    expect(buildQuery({})).toBe('');
  });
});

describe('createApiClient', () => {
  it('sends the CSRF token on writes only, and JSON bodies', async () => {
    const server = fakeServer(() => json(200, { ok: true }));
    const api = createApiClient({ fetch: server.fetch });
    api.setCsrfToken('tok');
    await api.get('/calls', { query: { limit: 5 } });
    await api.post('/contacts', { name: 'Anna' });
    await api.put('/connections/c1/bindings', [{ extension: '101', userId: 'u' }]);
    await api.patch('/users/u1', { role: 'admin' });
    await api.del('/contacts/k1');
    expect(server.sent.map((s) => [s.method, s.url, s.headers['X-CSRF-Token'] ?? '-'])).toEqual([
      ['GET', '/api/v1/calls?limit=5', '-'],
      ['POST', '/api/v1/contacts', 'tok'],
      ['PUT', '/api/v1/connections/c1/bindings', 'tok'],
      ['PATCH', '/api/v1/users/u1', 'tok'],
      ['DELETE', '/api/v1/contacts/k1', 'tok'],
    ]);
    expect(server.sent[1]!.headers['Content-Type']).toBe('application/json');
    expect(server.sent[1]!.body).toBe('{"name":"Anna"}');
    expect(server.sent[2]!.body).toBe('[{"extension":"101","userId":"u"}]');
  });

  it('sends a raw body with its own content type', async () => {
    const server = fakeServer(() => json(200, { created: 1, updated: 0, rejected: [] }));
    const api = createApiClient({ fetch: server.fetch });
    api.setCsrfToken('tok');
    const result = await api.request('POST', '/contacts/import', {
      rawBody: { contentType: 'text/csv', data: 'name\nAnna\n' },
    });
    expect(result).toEqual({ created: 1, updated: 0, rejected: [] });
    expect(server.sent[0]!.headers['Content-Type']).toBe('text/csv');
    expect(server.sent[0]!.body).toBe('name\nAnna\n');
  });

  it('turns an error body into an ApiError with the server message and field', async () => {
    const server = fakeServer(() =>
      json(422, { error: { code: 'invalid', message: 'Phone is not a number', field: 'phones.0' } }),
    );
    const api = createApiClient({ fetch: server.fetch });
    const error = await api.post('/contacts', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, code: 'invalid', message: 'Phone is not a number', field: 'phones.0' });
  });

  it('gives an ApiError without a message for a body that is not ours (a proxy page)', async () => {
    const server = fakeServer(() => new Response('<html>Bad gateway</html>', { status: 502 }));
    const api = createApiClient({ fetch: server.fetch });
    await expect(api.get('/me')).rejects.toMatchObject({ status: 502, code: 'http_error', message: '' });
  });

  it('reports a lost session on 401, except for a failed sign-in', async () => {
    const onUnauthorized = vi.fn();
    const server = fakeServer(() => json(401, { error: { code: 'unauthorized', message: 'Sign in again' } }));
    const api = createApiClient({ fetch: server.fetch, onUnauthorized });
    await expect(api.post('/auth/login', { email: 'a', password: 'b' })).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).not.toHaveBeenCalled();
    await expect(api.get('/calls')).rejects.toMatchObject({ message: 'Sign in again' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('returns undefined for an empty success', async () => {
    const server = fakeServer(() => new Response(null, { status: 204 }));
    const api = createApiClient({ fetch: server.fetch });
    await expect(api.del('/contacts/k1')).resolves.toBeUndefined();
  });
});
