/**
 * A provider that is down or never answers, for every built-in connector that talks to one: Test connection,
 * Configure, click-to-call and recordings answer within the connection's timeout with a message in words
 * (no stack, no "fetch failed" alone), and nothing is left half-written.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../src/connectors/index.js';
import type { ConnectorDefinition, SettingsValues } from '../src/contract/index.js';
import { openDatabase } from '../src/storage/index.js';
import { loadFixtures } from '../src/testing/golden-fixtures.js';
import { closedPort } from '../src/testing/http-helpers.js';
import { buildCall } from '../src/testing/storage-fixtures.js';
import { createTestApp, type TestApp } from '../src/testing/test-app.js';

const TIMEOUT_MS = 1500;
/** The answer may come a little after the timeout, never much later. */
const SLACK_MS = 1500;

/** Settings that point every address of the connector at `host:port`, and fill what is required. */
function settingsAt(definition: ConnectorDefinition, host: string, port: number): SettingsValues {
  const values: SettingsValues = {};
  for (const field of definition.settings) {
    if (field.type === 'url') values[field.key] = `http://${host}:${port}/`;
    else if (/host/i.test(field.key) && field.type === 'string') values[field.key] = host;
    else if (/port/i.test(field.key)) values[field.key] = field.type === 'number' ? port : String(port);
    else if (field.options) values[field.key] = field.default ?? field.options[0]!.value;
    else if (field.required) values[field.key] = field.type === 'number' ? 1 : `test-${field.key}`;
  }
  return values;
}

/** Recorded call data from the connector's fixtures, for asking the link of a recording. */
function recordedCallData(definition: ConnectorDefinition): unknown {
  const folder = fileURLToPath(new URL(`../src/connectors/${definition.id}/fixtures`, import.meta.url));
  if (!existsSync(folder)) return undefined;
  return loadFixtures(folder).find((fixture) => fixture.expect.callRecord?.call)?.expect.callRecord?.call;
}

/** Connectors whose settings name an address: the ones that can find their provider down. */
const talking = connectors.filter((definition) =>
  definition.settings.some((field) => field.type === 'url' || /host/i.test(field.key)),
);

let hanging: Server;
let hangingPort: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  // Accepts connections and never answers, like a PBX whose API hangs.
  hanging = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  hangingPort = (hanging.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => hanging.close(resolve));
});

for (const definition of talking) {
  for (const state of ['down', 'hanging'] as const) {
    describe(`${definition.name} when the provider is ${state}`, () => {
      let test: TestApp;
      let connectionId: string;
      let admin: Record<string, string>;

      beforeAll(async () => {
        test = await createTestApp(await openDatabase(':memory:'));
        admin = await test.auth(test.admin);
        const port = state === 'down' ? await closedPort() : hangingPort;
        const connection = await test.hub.store.connections.create({
          ...{ connector_id: definition.id, name: `${definition.name} (${state})`, enabled: 1 },
          settings: JSON.stringify(settingsAt(definition, '127.0.0.1', port)),
          ...{ webhook_token: `token-${state}`, timeout_ms: TIMEOUT_MS, default_country: 'RU' },
          ...{ unknown_caller_policy: 'on_answer', own_numbers: '[]' },
          ...{ created_at: new Date().toISOString(), updated_at: new Date().toISOString() },
        });
        connectionId = connection.id;
        await test.hub.store.connections.setBinding({
          connection_id: connectionId,
          extension: '101',
          user_id: test.anna.id,
        });
      });
      afterAll(() => test.app.close());

      async function timed<T>(work: () => Promise<T>): Promise<T> {
        const started = Date.now();
        const result = await work();
        expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);
        return result;
      }

      function readable(message: unknown): void {
        expect(typeof message).toBe('string');
        expect(message).not.toMatch(/\n\s+at |fetch failed|ECONNREFUSED|undefined|\[object/);
        expect(String(message).length).toBeGreaterThan(15);
      }

      it('Test connection reports the failure in words', async () => {
        const response = await timed(() =>
          test.app.inject({ method: 'POST', url: `/api/v1/connections/${connectionId}/test`, headers: admin }),
        );
        expect(response.statusCode).toBe(200);
        expect(response.json().success).toBe(false);
        readable(response.json().failReason);
      });

      it('Configure answers 502 with the reason', async () => {
        const response = await timed(() =>
          test.app.inject({ url: `/api/v1/connections/${connectionId}/members`, headers: admin }),
        );
        expect([502, 504]).toContain(response.statusCode);
        readable(response.json().error.message);
      });

      it('click-to-call fails with the reason, and the request is marked failed', async () => {
        const response = await timed(async () =>
          test.app.inject({
            method: 'POST',
            url: '/api/v1/calls',
            headers: await test.auth(test.anna),
            payload: { to: '+74951234567', connectionId },
          }),
        );
        expect(response.statusCode).toBeGreaterThanOrEqual(500);
        readable(response.json().error.message);
        const rows = await test.hub.store.db.selectFrom('originations').selectAll().execute();
        expect(rows.map((row) => row.status)).toEqual(['failed']);
        expect(rows[0]!.error).toBe(response.json().error.message);
      });

      const callData = recordedCallData(definition);
      (callData === undefined ? it.skip : it)('a recording says why it cannot be played', async () => {
        const call = buildCall(connectionId, {
          status: 'ended',
          has_recording: 1,
          call_data: JSON.stringify(callData),
          owner_id: test.anna.id,
        });
        await test.hub.store.calls.save({ call, legs: [] });
        const response = await timed(() =>
          test.app.inject({ url: `/api/v1/calls/${call.id}/recording?format=json`, headers: admin }),
        );
        expect([502, 504]).toContain(response.statusCode);
        readable(response.json().error.message);
      });
    });
  }
}
