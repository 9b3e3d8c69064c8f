import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTestStore, type TestStore } from '../testing/databases.js';
import { createTestHub } from '../testing/test-hub.js';
import { buildApp } from './app.js';
import { Counters } from './metrics.js';

describe('serving the web UI', () => {
  let store: TestStore;
  let app: FastifyInstance;

  beforeAll(async () => {
    const webRoot = mkdtempSync(join(tmpdir(), 'sb-web-'));
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Switchboard</title>');
    writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log(1)');
    store = await createTestStore('sqlite');
    const { hub } = await createTestHub(store.store);
    app = await buildApp({ hub, logger: pino({ level: 'silent' }), counters: new Counters(), webRoot });
  });
  afterAll(async () => {
    await app.close();
    await store.dispose();
  });

  it.each(['/', '/calls', '/contacts/42?tab=history'])('answers the page %s with index.html', async (url) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain('<title>Switchboard</title>');
  });

  it('serves assets, and a missing asset or API route is a JSON 404', async () => {
    const asset = await app.inject({ method: 'GET', url: '/assets/app.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log(1)');
    for (const url of ['/assets/missing.js', '/api/v1/nothing']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });
});
