import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseItoolabsStaff, parseStaff } from './emulator.js';

const BIN = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));

describe('parseStaff', () => {
  it.each([
    ['101:Anna', [{ extension: '101', name: 'Anna' }]],
    [
      ' 101 : Anna Smirnova , 102:Борис ',
      [
        { extension: '101', name: 'Anna Smirnova' },
        { extension: '102', name: 'Борис' },
      ],
    ],
  ])('reads %j', (text, staff) => {
    expect(parseStaff(text)).toEqual(staff);
  });

  it.each([
    ['Anna', /look like "101:Anna", not "Anna"/],
    ['101:', /not "101:"/],
    [',', /at least one/],
    ['101:Anna,101:Boris', /101 is listed twice/],
  ])('refuses %j', (text, message) => {
    expect(() => parseStaff(text)).toThrow(message);
  });
});

describe('switchboard emulator mango-office', () => {
  it('serves the Mango API with the given key and staff and says where', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'emulator', 'mango-office', '--port', '0', '--key', 'k1', '--salt', 's1', '--staff', '201:Vera'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('Commands received')) resolve(text);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${text}`)));
      });
      const url = /emulator at (http:\/\/\S+)/.exec(out)?.[1] ?? '';
      expect(out).toContain(`apiUrl=${url}/vpbx/ apiKey=k1 apiSalt=s1`);
      const config = await (await fetch(`${url}/_emulator/config`)).json();
      expect(config).toEqual({ hubUrl: null, staff: [{ extension: '201', name: 'Vera' }] });
      const scenario = await fetch(`${url}/_emulator/scenario`, {
        method: 'POST',
        body: JSON.stringify({ name: 'incoming-answered' }),
      });
      expect(scenario.status).toBe(409);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);
});

describe('switchboard emulator zadarma', () => {
  it('serves the Zadarma API with the given key, staff and time zone and says where', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'emulator',
        'zadarma',
        '--port',
        '0',
        '--key',
        'k2',
        '--secret',
        's2',
        '--staff',
        '300:Vera',
        '--timezone',
        '120',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('Requests received')) resolve(text);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${text}`)));
      });
      const url = /emulator at (http:\/\/\S+)/.exec(out)?.[1] ?? '';
      expect(out).toContain(`apiUrl=${url} apiKey=k2 apiSecret=s2`);
      expect(await (await fetch(`${url}/_emulator/config`)).json()).toEqual({
        hubUrl: null,
        staff: [{ extension: '300', name: 'Vera' }],
        notifications: {},
      });
      // Unsigned API requests are refused as Zadarma does.
      const balance = await fetch(`${url}/v1/info/balance/?format=json`);
      expect(balance.status).toBe(401);
      expect(await balance.json()).toEqual({ status: 'error', message: 'Not authorized' });
      const scenario = await fetch(`${url}/_emulator/scenario`, {
        method: 'POST',
        body: JSON.stringify({ name: 'incoming-answered' }),
      });
      expect(scenario.status).toBe(409);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);
});

describe('switchboard emulator itoolabs', () => {
  it('serves both CRM APIs with the given key and users and says where', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'emulator', 'itoolabs', '--port', '0', '--key', 'k3', '--crm-token', 't3', '--staff', 'vera:801:Vera'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('Requests received')) resolve(text);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${text}`)));
      });
      const url = /emulator at (http:\/\/\S+)/.exec(out)?.[1] ?? '';
      expect(out).toContain(`apiUrl=${url} apiKey=k3 crmToken=t3`);
      const legacy = await fetch(`${url}/sys/crm_api.wcgp`, {
        method: 'POST',
        body: new URLSearchParams({ cmd: 'accounts', token: 'k3' }),
      });
      expect(await legacy.json()).toEqual([{ name: 'vera', realName: 'Vera', ext: '801', email: 'vera@example.com' }]);
      const rest = await fetch(`${url}/crmapi/v1/users`, { headers: { 'X-API-KEY': 'wrong' } });
      expect(rest.status).toBe(401);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);

  it.each([
    [
      'anna:701:Anna, boris:702:Boris Ivanov',
      [
        { login: 'anna', ext: '701', name: 'Anna' },
        { login: 'boris', ext: '702', name: 'Boris Ivanov' },
      ],
    ],
  ])('reads --staff %j', (text, staff) => {
    expect(parseItoolabsStaff(text)).toEqual(staff);
  });

  it('refuses a malformed --staff entry', () => {
    expect(() => parseItoolabsStaff('anna:Anna')).toThrow(/look like "anna:701:Anna", not "anna:Anna"/);
  });
});
