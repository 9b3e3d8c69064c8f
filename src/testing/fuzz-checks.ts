/**
 * Property checks of the conformance suite: thousands of generated requests at the module's parse
 * function, and at the hub's webhook endpoint with the connector behind it. Neither may crash: the parser
 * never throws, the endpoint never answers 5xx but for a module's own explicit response, and goes on serving.
 */
import fc from 'fast-check';
import pino from 'pino';
import { expect } from 'vitest';
import type { FetchRequest } from '../contract/index.js';
import { createHub } from '../runtime/hub.js';
import { createSecretBox } from '../runtime/secret-box.js';
import { buildApp } from '../server/app.js';
import { Counters } from '../server/metrics.js';
import { openDatabase } from '../storage/index.js';
import { suiteRunner, type SuiteTarget } from './connector-checks.js';
import { FUZZ_RUNS } from './fuzz-requests.js';
import { seedConnection } from './storage-fixtures.js';

/** `runs`: fewer for `module check`, where every call crosses to a script's worker thread. */
export async function checkFuzzParse(
  target: SuiteTarget,
  requests: fc.Arbitrary<FetchRequest>,
  runs = FUZZ_RUNS,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(requests, async (request) => {
      await suiteRunner(target).parseWebhookRequest(request);
    }),
    { numRuns: runs },
  );
}

export async function checkFuzzEdge(target: SuiteTarget, requests: fc.Arbitrary<FetchRequest>): Promise<void> {
  const silent = pino({ level: 'silent' });
  const store = await openDatabase(':memory:');
  const { definition } = target;
  const hub = createHub({
    store,
    box: createSecretBox('fuzz'),
    log: silent,
    publicUrl: 'http://hub.test',
    findConnector: (id) => (id === definition.id ? definition : undefined),
  });
  const connection = await seedConnection(store, {
    connector_id: definition.id,
    settings: JSON.stringify(target.settings),
  });
  const app = await buildApp({ hub, logger: silent, counters: new Counters() });
  try {
    await fc.assert(
      // Raw bytes after the body: invalid UTF-8 must be handled as well as odd text.
      fc.asyncProperty(requests, fc.option(fc.uint8Array({ maxLength: 32 })), async (request, bytes) => {
        const body = Buffer.from(request.body ?? '');
        const response = await app.inject({
          method: request.method as 'POST',
          url: `/hooks/${connection.id}/${connection.webhook_token}${request.path === '/' ? '' : request.path}`,
          query: request.query,
          headers: request.headers,
          payload: bytes ? Buffer.concat([body, bytes]) : body,
        });
        if (response.statusCode >= 500) {
          // Only a module's own explicit answer may be a 5xx; a module that threw is stored as failed.
          const [row] = (await store.webhooks.list({ limit: 1 })).items;
          expect(row?.status, `${response.statusCode}: ${response.body}`).not.toBe('failed');
          expect(row?.response_status).toBe(response.statusCode);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const failed = await store.db.selectFrom('webhooks').select('id').where('status', '=', 'failed').execute();
    expect(failed).toEqual([]);
  } finally {
    await app.close();
    await store.close();
  }
}
