import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ModuleRunner } from '../runtime/module-runner.js';
import { MemoryStorage } from '../testing/memory-storage.js';
import { loadScriptModule, scriptModuleId } from './script-module.js';
import { ScriptHost } from './script-host.js';

const host = new ScriptHost({ syncTimeoutMs: 300, memoryMb: 32 });
afterAll(() => host.close());

const base = `
async function VoipTestConnection(): Promise<VoipTestConnectionResult> {
  await Namespace.storage.setItem('seen', 'yes');
  return { success: Namespace.params.data.apiKey === 'good', failReason: <string>Namespace.params.data.apiKey };
}
async function VoipGetMembers() { return [{ id: 101, label: 'Anna' }]; }
async function VoipParseWebhookRequest(request: FetchRequest): Promise<VoipWebhookParseResult> {
  if (request.headers['Content-Type'] !== 'application/x-www-form-urlencoded') {
    return { response: new HttpResponse().status(400).content(JSON.stringify({ error: 'form expected' })) };
  }
  const data: Record<string, string> = {};
  for (const pair of (request.body as string).split('&')) {
    const [k, v] = pair.split('=');
    data[decodeURIComponent(k)] = decodeURIComponent(v ?? '');
  }
  return { event: { event: VoipWebhookEvent.NotifyStart, direction: VoipCallDirection.In, srcPhone: data.phone, dstPhone: data.ext, disposition: VoipCallDisposition.Unknown } };
}
async function VoipGenerateCall(srcPhone: string, dstPhone: string) { console.log('call', srcPhone, dstPhone); }
async function VoipGetCallLink(callData: any) { return callData.link; }
`;

async function runner(
  body: string,
  settings: Record<string, string> = { apiKey: 'good' },
  storage = new MemoryStorage(),
) {
  const definition = await loadScriptModule({ id: 'ext-test', name: 'Test', source: base + body, settings: [] }, host);
  return new ModuleRunner({
    connectionId: 'c1',
    definition,
    settings,
    storage,
    logger: pino({ level: 'silent' }),
    webhookUrl: 'https://hub.example/hooks/t',
    timeoutMs: 1500,
  });
}

describe('script modules', () => {
  it('names connectors ext-<name>', () => {
    expect(scriptModuleId('Gravitel PBX')).toBe('ext-gravitel-pbx');
    expect(() => scriptModuleId('Гравител')).toThrow('needs Latin letters');
  });

  it('runs an ELMA365-style script with settings, storage, casts and HttpResponse', async () => {
    const storage = new MemoryStorage();
    const run = await runner('', { apiKey: 'good' }, storage);
    expect(await run.testConnection()).toEqual({ success: true, failReason: 'good' });
    expect(storage.items.get('seen')).toBe('yes');
    expect(await run.getMembers()).toEqual([{ id: '101', label: 'Anna' }]);
    const form = await run.parseWebhookRequest({
      method: 'POST',
      url: 'https://hub.example/hooks/t',
      path: '/',
      query: {},
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'phone=%2B74951234567&ext=101',
    });
    expect(form.event).toMatchObject({ srcPhone: '+74951234567', dstPhone: '101', event: 'start' });
    const refused = await run.parseWebhookRequest({
      method: 'POST',
      url: 'x',
      path: '/',
      query: {},
      headers: {},
      body: '{}',
    });
    expect(refused.response).toMatchObject({ statusCode: 400, body: '{"error":"form expected"}' });
    expect(await run.getCallLink({ link: 'https://rec.example/1.mp3' })).toBe('https://rec.example/1.mp3');
    expect(run.definition.hasWebhookUpdated).toBe(false);
  });

  it('refuses a script without the required functions or that does not parse', async () => {
    await expect(
      loadScriptModule(
        { id: 'ext-x', name: 'X', source: 'async function VoipTestConnection() {}', settings: [] },
        host,
      ),
    ).rejects.toThrow('The script has no VoipGetMembers, VoipParseWebhookRequest, VoipGenerateCall, VoipGetCallLink');
    await expect(
      loadScriptModule({ id: 'ext-x', name: 'X', source: 'async function (', settings: [] }, host),
    ).rejects.toThrow(/does not parse at line 1/);
    await expect(
      loadScriptModule({ id: 'ext-x', name: 'X', source: `export const version = 1;\n${base}`, settings: [] }, host),
    ).rejects.toThrow(/no import or export/);
  });

  it('contains a hostile script and reports each problem', async () => {
    const hostile = await runner(`
      async function VoipOnWebhookUpdated(url: string) { while (true) {} }
    `);
    await expect(hostile.onWebhookUpdated('https://x')).rejects.toMatchObject({
      code: 'module_failed',
      message: expect.stringContaining('VoipOnWebhookUpdated ran for 0.3 s without pausing and was stopped'),
    });

    const looping = await runner('').then(() =>
      loadScriptModule(
        {
          id: 'ext-loop',
          name: 'Loop',
          source: base.replace(
            'async function VoipGetMembers() {',
            'async function VoipGetMembers() { await Namespace.storage.getItem("a"); for (;;) {}',
          ),
          settings: [],
        },
        host,
      ),
    );
    const loopRunner = new ModuleRunner({
      connectionId: 'c2',
      definition: looping,
      settings: {},
      storage: new MemoryStorage(),
      logger: pino({ level: 'silent' }),
      webhookUrl: 'https://x',
      timeoutMs: 800,
    });
    await expect(loopRunner.getMembers()).rejects.toMatchObject({ code: 'module_timeout' });
    // The stuck worker was replaced: the module answers again.
    expect(await loopRunner.testConnection()).toMatchObject({ success: false });

    const touching = await runner('').then(() =>
      loadScriptModule(
        {
          id: 'ext-process',
          name: 'Process',
          source: base.replace('return callData.link;', "process.exit(1); return require('fs');"),
          settings: [],
        },
        host,
      ),
    );
    const touchRunner = new ModuleRunner({
      connectionId: 'c3',
      definition: touching,
      settings: {},
      storage: new MemoryStorage(),
      logger: pino({ level: 'silent' }),
      webhookUrl: 'https://x',
    });
    await expect(touchRunner.getCallLink({})).rejects.toMatchObject({
      code: 'module_failed',
      message: expect.stringContaining('process is not defined'),
    });
  });

  it('stops a script that eats memory, and the hub goes on', async () => {
    const hungry = await loadScriptModule(
      {
        id: 'ext-hungry',
        name: 'Hungry',
        source: base.replace(
          'async function VoipGetMembers() {',
          'async function VoipGetMembers() { const all: string[][] = []; for (;;) { all.push(new Array(100000).fill("x")); await Promise.resolve(); }',
        ),
        settings: [],
      },
      host,
    );
    const run = new ModuleRunner({
      connectionId: 'c4',
      definition: hungry,
      settings: { apiKey: 'good' },
      storage: new MemoryStorage(),
      logger: pino({ level: 'silent' }),
      webhookUrl: 'https://x',
      timeoutMs: 8000,
    });
    await expect(run.getMembers()).rejects.toMatchObject({
      code: 'module_failed',
      message: expect.stringContaining('used more than 32 MB of memory'),
    });
    expect(await run.testConnection()).toEqual({ success: true, failReason: 'good' });
  });

  it('reports a thrown error and a result of the wrong shape', async () => {
    const run = await runner(`
      async function VoipOnWebhookUpdated() { throw new Error('PBX said no'); }
    `);
    await expect(run.onWebhookUpdated('https://x')).rejects.toMatchObject({
      code: 'module_failed',
      message: expect.stringContaining('PBX said no'),
    });
    const wrong = await loadScriptModule(
      {
        id: 'ext-wrong',
        name: 'Wrong',
        source: base.replace("return [{ id: 101, label: 'Anna' }];", 'return "Anna";'),
        settings: [],
      },
      host,
    );
    const wrongRunner = new ModuleRunner({
      connectionId: 'c5',
      definition: wrong,
      settings: {},
      storage: new MemoryStorage(),
      logger: pino({ level: 'silent' }),
      webhookUrl: 'https://x',
    });
    await expect(wrongRunner.getMembers()).rejects.toMatchObject({ code: 'module_invalid_result' });
  });
});
