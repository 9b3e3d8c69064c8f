import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import {
  HttpResponse,
  VoipCallDirection,
  VoipCallDisposition,
  VoipWebhookEvent,
  type ConnectorDefinition,
  type EventSourceResume,
} from '../contract/index.js';
import { describeEachDatabase } from '../testing/databases.js';
import { connectionStatusView } from './connection-views.js';
import { createConnection } from './connections.js';
import { createHub, type Hub } from './hub.js';
import { createSecretBox } from './secret-box.js';

/** A PBX that streams one JSON event per line over TCP, and the resume points the connector was given. */
function lineConnector(resumes: Array<EventSourceResume | undefined>): ConnectorDefinition {
  return {
    id: 'line-pbx',
    name: 'Line PBX',
    docsUrl: 'docs/connectors/fake.md',
    hasWebhookUpdated: false,
    settings: [{ key: 'port', type: 'number', label: 'Port', required: true }],
    create: () => ({
      VoipTestConnection: async () => ({ success: true }),
      VoipGetMembers: async () => [],
      VoipGenerateCall: async () => undefined,
      VoipGetCallLink: async () => '',
      async VoipParseWebhookRequest(request) {
        if (request.path !== '/line') return { response: new HttpResponse().status(404) };
        const line = JSON.parse(request.body ?? '') as { type: VoipWebhookEvent; callId: string; to: string };
        return {
          event: {
            event: line.type,
            direction: VoipCallDirection.In,
            srcPhone: '+74951234567',
            dstPhone: line.to,
            disposition:
              line.type === VoipWebhookEvent.NotifyEnd ? VoipCallDisposition.Answered : VoipCallDisposition.Unknown,
            callId: line.callId,
          },
        };
      },
    }),
    eventSource: {
      pingIntervalMs: 50,
      async connect(ctx, resume) {
        resumes.push(resume);
        const { createConnection: dial } = await import('node:net');
        const socket = dial({ port: Number(ctx.settings.port), host: '127.0.0.1' });
        await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        let chain = Promise.resolve();
        let buffer = '';
        socket.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const body of lines)
            chain = chain.then(() => ctx.deliver({ path: '/line', contentType: 'application/json', body }));
        });
        const closed = new Promise<string>((resolve) =>
          socket.once('close', () => resolve('the PBX closed the connection')),
        );
        return { closed, ping: async () => undefined, close: async () => void socket.destroy() };
      },
    },
  };
}

describeEachDatabase('event sources', (getStore) => {
  let hub: Hub | undefined;
  let server: ReturnType<typeof createServer> | undefined;
  afterEach(async () => {
    await hub?.stop();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it('feeds each streamed event into the inbox and the calls, and reports a reconnect with its gap', async () => {
    const sockets: Socket[] = [];
    server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const resumes: Array<EventSourceResume | undefined> = [];
    const connector = lineConnector(resumes);
    hub = createHub({
      store: getStore(),
      box: createSecretBox('test key material'),
      log: pino({ level: 'silent' }),
      publicUrl: 'http://hub.test',
      findConnector: (id) => (id === connector.id ? connector : undefined),
      eventSources: { syncMs: 100, backoffMs: 50, lockRetryMs: 100 },
    });
    await hub.start();
    const { connection } = await createConnection(hub, { connectorId: 'line-pbx', settings: { port } });
    await expect.poll(() => sockets.length, { timeout: 5000 }).toBe(1);
    await expect.poll(async () => (await connectionStatusView(hub!, connection)).eventSource?.status).toBe('connected');

    sockets[0]!.write(`${JSON.stringify({ type: 'start', callId: 'c1', to: '101' })}\n`);
    sockets[0]!.write(`${JSON.stringify({ type: 'answer', callId: 'c1', to: '101' })}\n`);
    await expect
      .poll(async () => (await hub!.store.calls.findByExternalId(connection.id, 'c1'))?.call.status)
      .toBe('talking');
    const inbox = await hub.store.webhooks.list({ connectionId: connection.id });
    expect(inbox.items.map((row) => [row.path, row.status])).toEqual([
      ['/line', 'processed'],
      ['/line', 'processed'],
    ]);

    sockets[0]!.destroy();
    await expect.poll(() => sockets.length, { timeout: 5000 }).toBe(2);
    await expect.poll(async () => (await connectionStatusView(hub!, connection)).eventSource?.reconnects).toBe(1);
    const view = (await connectionStatusView(hub, connection)).eventSource!;
    expect(view).toMatchObject({ status: 'connected', lastError: 'the PBX closed the connection' });
    expect(view.lastGap!.from <= view.lastGap!.to).toBe(true);
    expect(resumes).toEqual([undefined, { since: view.lastGap!.from }]);

    sockets[1]!.write(`${JSON.stringify({ type: 'end', callId: 'c1', to: '101' })}\n`);
    await expect
      .poll(async () => (await hub!.store.calls.findByExternalId(connection.id, 'c1'))?.call.status)
      .toBe('ended');

    await hub.stop();
    expect((await hub.store.eventSources.get(connection.id))?.status).toBe('stopped');
    hub = undefined;
  });
});
