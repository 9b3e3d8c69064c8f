/**
 * The hub as people run it: a real `switchboard serve` process, set up through the real CLI, fed a
 * webhook over HTTP, watched through the REST API and the SSE streams of two agents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SIGNATURE_HEADER, signFakeBody } from '../src/connectors/fake/fake-webhook.js';
import { createTestDatabase, PG_URL_VARIABLE, type TestDatabase } from '../src/testing/databases.js';
import type { SqlDialect } from '../src/storage/index.js';
import { runCli, startHubProcess, type HubProcess } from '../src/testing/hub-process.js';
import { openEventStream } from '../src/testing/sse-client.js';

const SECRET = 'process-test-secret';

const dialects: SqlDialect[] = ['sqlite', 'postgres'];
for (const dialect of dialects) {
  const skip = dialect === 'postgres' && !process.env[PG_URL_VARIABLE];
  const title = skip
    ? `switchboard serve on PostgreSQL (skipped: set ${PG_URL_VARIABLE}=postgres://… to run)`
    : `switchboard serve on ${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`;
  (skip ? describe.skip : describe)(title, () => {
    let database: TestDatabase;
    let hub: HubProcess | undefined;
    let base: string;
    const cli = (...args: string[]) => runCli(database.target, ...args);

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      hub = await startHubProcess(database.target, {
        SWITCHBOARD_ADMIN_EMAIL: 'admin@example.com',
        SWITCHBOARD_ADMIN_PASSWORD: 'admin-password',
      });
      base = hub.base;
    }, 60_000);

    afterAll(async () => {
      await hub?.stop();
      await database?.dispose();
    });

    it('turns a webhook into a call seen in the API and on the bound agent stream only', async () => {
      await cli(
        'user',
        'add',
        '--email',
        'anna@example.com',
        '--name',
        'Anna',
        '--role',
        'agent',
        '--password',
        'anna-password',
      );
      await cli(
        'user',
        'add',
        '--email',
        'boris@example.com',
        '--name',
        'Boris',
        '--role',
        'agent',
        '--password',
        'boris-password',
      );
      const anna = String((await cli('token', 'create', '--email', 'anna@example.com')).token);
      const boris = String((await cli('token', 'create', '--email', 'boris@example.com')).token);
      const connection = await cli(
        'connection',
        'add',
        '--connector',
        'fake',
        '--name',
        'Office',
        '--setting',
        `secret=${SECRET}`,
        '--public-url',
        base,
      );
      await cli('connection', 'bind', String(connection.id), '101', 'anna@example.com');
      expect(String(connection.webhookUrl)).toBe(`${base}/hooks/${connection.id}/${connection.token}`);

      const annaEvents = await openEventStream(`${base}/api/v1/events`, anna);
      const borisEvents = await openEventStream(`${base}/api/v1/events`, boris);
      const body = JSON.stringify({ type: 'start', direction: 'in', from: '+74951234567', to: '101', callId: 'p1' });
      const hook = await fetch(String(connection.webhookUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [FAKE_SIGNATURE_HEADER]: signFakeBody(body, SECRET) },
        body,
      });
      expect(hook.status).toBe(200);

      const ringing = await annaEvents.next('call.ringing');
      expect(ringing).toMatchObject({ call: { clientNumber: '+74951234567', status: 'ringing', direction: 'in' } });
      const calls = await (
        await fetch(`${base}/api/v1/calls`, { headers: { authorization: `Bearer ${anna}` } })
      ).json();
      expect(calls.items).toHaveLength(1);
      expect(calls.items[0]).toMatchObject({ id: (ringing as { call: { id: string } }).call.id, externalId: 'p1' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(borisEvents.types()).not.toContain('call.ringing');
      annaEvents.close();
      borisEvents.close();
    });
  });
}
