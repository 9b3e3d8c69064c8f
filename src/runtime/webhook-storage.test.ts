/**
 * A webhook's module storage writes land with its outcome: a module that fails leaves the storage as it
 * was (so Replay starts from the same state), one that succeeds or refuses the request keeps its writes.
 */
import pino from 'pino';
import { expect, it } from 'vitest';
import {
  HttpResponse,
  VoipCallDirection,
  VoipCallDisposition,
  VoipWebhookEvent,
  type ConnectorDefinition,
  type VoipWebhookParseResult,
} from '../contract/index.js';
import { describeEachDatabase } from '../testing/databases.js';
import { createConnection } from './connections.js';
import { createHub } from './hub.js';
import { createSecretBox } from './secret-box.js';

/** Counts the requests it saw in storage; the body says how to end: ok, refuse or throw. */
const counting: ConnectorDefinition = {
  id: 'counting',
  name: 'Counting',
  docsUrl: 'docs/connectors/fake.md',
  hasWebhookUpdated: false,
  settings: [],
  create: (ctx) => ({
    VoipTestConnection: async () => ({ success: true }),
    VoipGetMembers: async () => [],
    VoipGenerateCall: async () => {},
    VoipGetCallLink: async () => 'https://pbx.example/a.wav',
    async VoipParseWebhookRequest(request): Promise<VoipWebhookParseResult> {
      const seen = Number((await ctx.storage.getItem('seen')) ?? 0) + 1;
      await ctx.storage.setItem('seen', String(seen));
      // A write then a read in the same call sees the write.
      if ((await ctx.storage.getItem('seen')) !== String(seen)) throw new Error('the write is not visible');
      if (request.body === 'throw') throw new Error('the module failed');
      if (request.body === 'refuse') return { response: new HttpResponse().status(400).content('no') };
      return {
        event: {
          event: VoipWebhookEvent.NotifyStart,
          direction: VoipCallDirection.In,
          srcPhone: '+74951234567',
          dstPhone: '101',
          disposition: VoipCallDisposition.Unknown,
          callId: `call-${seen}`,
        },
      };
    },
  }),
};

describeEachDatabase('module storage during a webhook', (getStore) => {
  it('keeps the writes of a handled or refused webhook and drops those of a failed one', async () => {
    const store = getStore();
    const hub = createHub({
      store,
      box: createSecretBox('test key material'),
      log: pino({ level: 'silent' }),
      publicUrl: 'http://hub.test',
      findConnector: (id) => (id === 'counting' ? counting : undefined),
    });
    const { connection } = await createConnection(hub, { connectorId: 'counting', name: 'Counting', settings: {} });
    const post = (body: string) =>
      hub.intake.receive(connection, {
        method: 'POST',
        url: 'http://hub.test/x',
        path: '/',
        query: {},
        headers: {},
        body,
      });
    const seen = () => store.connections.getItem(connection.id, 'seen');

    expect((await post('ok')).status).toBe(200);
    expect(await seen()).toBe('1');
    expect((await post('throw')).status).toBe(500);
    expect(await seen()).toBe('1');
    expect((await post('refuse')).status).toBe(400);
    expect(await seen()).toBe('2');
    expect((await post('ok 2')).status).toBe(200);
    expect(await seen()).toBe('3');

    const calls = (await store.calls.list({})).items.map((call) => call.external_id);
    expect(calls.sort()).toEqual(['call-1', 'call-3']);
    await hub.stop();
  });
});
