/**
 * Every route against the rule docs/api.md gives it ("Who may call what"), called over real HTTP as nobody,
 * as an agent who does not own the resource, as the agent who does, and as an admin. A route missing from
 * the table, or a row for a route the hub does not serve, fails the test.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originate } from '../runtime/click-to-call.js';
import { openDatabase } from '../storage/index.js';
import { createTestApp, type TestApp } from '../testing/test-app.js';

type Rule = 'anyone' | 'signed in' | 'own or admin' | 'self or admin' | 'admin' | 'URL token' | 'admin or public';
type Who = 'nobody' | 'boris' | 'anna' | 'admin';

const RULES: readonly Rule[] = [
  'anyone',
  'signed in',
  'own or admin',
  'self or admin',
  'admin',
  'URL token',
  'admin or public',
];

/** `{method, path}` → rule, from the markdown table; `:param` spelled as OpenAPI's `{param}`. */
function documentedRules(): Map<string, Rule> {
  const markdown = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  const section = markdown.split('## Who may call what')[1]?.split('\n## ')[0] ?? '';
  const rules = new Map<string, Rule>();
  for (const match of section.matchAll(/^\| `([A-Z, ]+) ([^`]+)` +\| ([^|]+?) +\|$/gm)) {
    const [, methods, path, rule] = match as unknown as [string, string, string, string];
    expect(RULES, `rule of ${methods} ${path}`).toContain(rule);
    const openApiPath = path.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}');
    for (const method of methods.split(',')) rules.set(`${method.trim()} ${openApiPath}`, rule as Rule);
  }
  return rules;
}

describe('access to every route', () => {
  let test: TestApp;
  let base: string;
  const headers: Record<Who, Record<string, string>> = { nobody: {}, boris: {}, anna: {}, admin: {} };
  /** Path parameters: resources Anna owns, so "own" rules can be told apart from "signed in". */
  let params: Record<string, string>;
  let served: string[];

  beforeAll(async () => {
    test = await createTestApp(await openDatabase(':memory:'));
    await test.post({ type: 'start', direction: 'in', from: '+74951234567', to: '101', callId: 'c1' });
    await test.post({
      type: 'record',
      direction: 'in',
      from: '+74951234567',
      to: '101',
      callId: 'c1',
      duration: 5,
      disposition: 'answered',
      recording: 'https://pbx.example/c1.wav',
    });
    const [call] = (await test.hub.store.calls.list({})).items;
    const origination = await originate(test.hub, test.anna, '+74951234567');
    await test.post({ type: 'start', direction: 'in', from: '+74957654321', to: '101', callId: 'c2' });
    const [webhook] = (await test.hub.store.webhooks.list({ limit: 1 })).items;
    params = {
      callId: call!.id,
      originationId: origination.id,
      userId: test.anna.id,
      connectionId: test.connection.id,
      token: test.connection.webhook_token,
      webhookId: String(webhook!.id),
    };
    for (const who of ['boris', 'anna', 'admin'] as const) headers[who] = await test.auth(test[who]);
    await test.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(test.app.server.address() as AddressInfo).port}`;
    const spec = test.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    served = Object.entries(spec.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
  });
  afterAll(() => test.app.close());

  /** The status only: the body is dropped, so the event stream does not hold the request open. */
  async function status(who: Who, method: string, path: string): Promise<number> {
    const controller = new AbortController();
    const response = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      signal: controller.signal,
      headers: { ...headers[who], ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
      ...(method === 'GET' ? {} : { body: '{}' }),
    });
    controller.abort();
    return response.status;
  }

  function concrete(route: string): string {
    const owned = route.startsWith('/api/v1/originations')
      ? params.originationId
      : route.startsWith('/api/v1/calls')
        ? params.callId
        : route.startsWith('/api/v1/users')
          ? params.userId
          : route.startsWith('/api/v1/webhooks')
            ? params.webhookId
            : route.startsWith('/api/v1/connections')
              ? params.connectionId
              : 'x';
    return route
      .replace('{id}', owned!)
      .replace('{connectionId}', params.connectionId!)
      .replace('{token}', params.token!)
      .replace('{*}', 'events/call');
  }

  it('documents exactly the routes the hub serves', () => {
    expect([...documentedRules().keys()].sort()).toEqual([...served].sort());
  });

  it('answers each route as its rule says, for nobody, agents and admins', async () => {
    const refused = (code: number) => code === 401 || code === 403;
    // Destructive routes go last, so that the resources the others need still exist.
    const rules = [...documentedRules()].sort(
      ([a], [b]) => Number(a.startsWith('DELETE')) - Number(b.startsWith('DELETE')),
    );
    for (const [route, rule] of rules) {
      const [method, template] = route.split(' ') as [string, string];
      // Earlier rows rotate the webhook token: take the current one.
      params.token = (await test.hub.store.connections.get(params.connectionId!))!.webhook_token;
      const path = concrete(template);
      const stored = (await test.hub.store.webhooks.list({})).items.length;
      const seen: Record<Who, number> = {
        nobody: await status('nobody', method, path),
        boris: await status('boris', method, path),
        anna: rule === 'own or admin' || rule === 'self or admin' ? await status('anna', method, path) : 0,
        admin: method === 'DELETE' ? 0 : await status('admin', method, path),
      };
      const label = `${route} (${rule}): ${JSON.stringify(seen)}`;
      const expected = {
        anyone: () => !refused(seen.nobody),
        'signed in': () => seen.nobody === 401 && !refused(seen.boris) && !refused(seen.admin),
        'own or admin': () =>
          seen.nobody === 401 &&
          seen.boris === 404 &&
          ![401, 403, 404].includes(seen.anna) &&
          ![401, 403, 404].includes(seen.admin),
        'self or admin': () => seen.nobody === 401 && seen.boris === 403 && !refused(seen.anna) && !refused(seen.admin),
        admin: () => seen.nobody === 401 && seen.boris === 403 && (method === 'DELETE' || !refused(seen.admin)),
        // The module answers for itself (even 404 for a path it does not know), but the request is in the inbox.
        'URL token': async () => (await test.hub.store.webhooks.list({})).items.length > stored,
        'admin or public': () => seen.nobody === 401 && seen.boris === 403 && seen.admin === 200,
      }[rule];
      expect(await expected(), label).toBe(true);
    }
    // An admin's delete still works, checked once the rest is done.
    expect(await status('admin', 'DELETE', `/api/v1/users/${test.boris.id}`)).toBe(204);
  });

  it('answers 404 to a wrong webhook token, and keeps no trace of the request', async () => {
    const before = (await test.hub.store.webhooks.list({})).items.length;
    expect(await status('nobody', 'POST', `/hooks/${params.connectionId}/wrong-token`)).toBe(404);
    expect((await test.hub.store.webhooks.list({})).items.length).toBe(before);
  });
});
