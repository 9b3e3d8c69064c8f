import { describe, expect, it } from 'vitest';
import { fakeConnector } from '../connectors/fake/index.js';
import { itoolabsConnector } from '../connectors/itoolabs/index.js';
import { mangoOfficeConnector } from '../connectors/mango-office/index.js';
import { zadarmaConnector } from '../connectors/zadarma/index.js';
import type { ConnectorDefinition } from '../contract/index.js';
import { describeEachDatabase } from '../testing/databases.js';
import { createTestHub } from '../testing/test-hub.js';
import { allowedRecordingHosts, hostMatches, recording } from './recordings.js';

const record = (callId: string, recording: string) => ({
  type: 'record',
  direction: 'in',
  from: '+74951234567',
  to: '101',
  callId,
  duration: 12,
  disposition: 'answered',
  recording,
});

describeEachDatabase('recording links', (getStore) => {
  it('asks the module for the link of a recorded call, and explains when there is none', async () => {
    const { hub, post } = await createTestHub(getStore());
    await post({ type: 'start', direction: 'in', from: '+74951234567', to: '101', callId: 'r1' });
    const [ringing] = (await hub.store.calls.list({})).items;
    await expect(recording(hub, ringing!.id)).rejects.toMatchObject({ code: 'not_found' });

    await post(record('r1', 'https://pbx.example/r1.wav'));
    expect(await recording(hub, ringing!.id)).toEqual({ kind: 'link', url: 'https://pbx.example/r1.wav' });
    await expect(recording(hub, 'no-such-call')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a link to a host that is not the connection’s, naming the host', async () => {
    const { hub, post } = await createTestHub(getStore());
    for (const [callId, link] of [
      ['e1', 'https://attacker.example/r.wav'],
      ['e2', 'http://169.254.169.254/latest/meta-data'],
      ['e3', 'https://pbx.example.attacker.example/r.wav'],
    ] as const) {
      await post(record(callId, link));
      const call = (await hub.store.calls.list({})).items.find((item) => item.external_id === callId);
      await expect(recording(hub, call!.id)).rejects.toMatchObject({
        code: 'module_invalid_result',
        message: expect.stringContaining(new URL(link).hostname),
      });
    }
  });

  it('allows the hub’s own address, for recordings the hub serves itself', async () => {
    const { hub, post } = await createTestHub(getStore());
    await post(record('h1', `${hub.publicUrl}/files/h1.wav`));
    const [call] = (await hub.store.calls.list({})).items;
    expect(await recording(hub, call!.id)).toEqual({ kind: 'link', url: `${hub.publicUrl}/files/h1.wav` });
  });
});

describe('recording hosts', () => {
  it('matches a host exactly, or a domain with its subdomains when written with a dot first', () => {
    expect(hostMatches('files.mango-office.ru', '.mango-office.ru')).toBe(true);
    expect(hostMatches('mango-office.ru', '.mango-office.ru')).toBe(true);
    expect(hostMatches('evilmango-office.ru', '.mango-office.ru')).toBe(false);
    expect(hostMatches('PBX.example', 'pbx.example')).toBe(true);
    expect(hostMatches('a.pbx.example', 'pbx.example')).toBe(false);
  });

  it('takes a connector’s declared hosts, or else the hosts of its URL settings', () => {
    expect(allowedRecordingHosts(mangoOfficeConnector, {})).toEqual(['app.mango-office.ru', '.mango-office.ru']);
    expect(allowedRecordingHosts(mangoOfficeConnector, { apiUrl: 'http://127.0.0.1:8101/' })).toContain('127.0.0.1');
    expect(allowedRecordingHosts(fakeConnector, { recordingHosts: 'a.example, .b.example' })).toEqual([
      'a.example',
      '.b.example',
    ]);
    const zadarma = { apiKey: 'k', apiSecret: 's' };
    expect(allowedRecordingHosts(zadarmaConnector, { ...zadarma, platform: 'zadarma' })).toEqual(['api.zadarma.com']);
    expect(allowedRecordingHosts(zadarmaConnector, { ...zadarma, platform: 'novofon' })).toEqual(['api.novofon.ru']);
    const itoolabs = { apiKey: 'k', crmToken: 't', apiGeneration: 'rest' };
    expect(allowedRecordingHosts(itoolabsConnector, { ...itoolabs, operator: 'megafon', pbxName: 'acme' })).toEqual([
      'acme.megapbx.ru',
      '.megapbx.ru',
    ]);
    expect(allowedRecordingHosts(itoolabsConnector, {})).toEqual([]);
    const undeclared: ConnectorDefinition = {
      ...fakeConnector,
      recordingHosts: undefined,
      settings: [
        { key: 'base', type: 'url', label: 'Base', default: 'https://api.example.net/v1' },
        { key: 'name', type: 'string', label: 'Name' },
      ],
    };
    expect(allowedRecordingHosts(undeclared, {})).toEqual(['api.example.net']);
    expect(allowedRecordingHosts(undeclared, { base: 'https://pbx.office.lan/' })).toEqual(['pbx.office.lan']);
  });
});
