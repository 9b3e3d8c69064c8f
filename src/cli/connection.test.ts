import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../storage/index.js';
import { seedUser } from '../testing/storage-fixtures.js';
import { buildProgram } from './main.js';
import { parseSettings } from './connection.js';

describe('switchboard connection', () => {
  let dir: string;
  let db: string;
  let output: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
    db = join(dir, 'hub.db');
    output = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one command in-process and returns what it printed. */
  async function run(...args: string[]): Promise<string> {
    output = [];
    const program = buildProgram().exitOverride();
    await program.parseAsync([...args, '--db', db, '--public-url', 'https://hub.example.com'], { from: 'user' });
    return output.join('');
  }

  async function add(...settings: string[]): Promise<{ id: string; webhookUrl: string; token: string }> {
    const args = settings.flatMap((setting) => ['--setting', setting]);
    return JSON.parse(await run('connection', 'add', '--connector', 'fake', '--name', 'Office', ...args, '--json'));
  }

  it('adds a connection and prints its id, webhook URL and token', async () => {
    const text = await run('connection', 'add', '--connector', 'fake', '--setting', 'secret=s=3', '--name', 'Office');
    const [, id] = /id (\S+)/.exec(text) ?? [];
    const [, token] = /Token: (\S+)/.exec(text) ?? [];
    expect(text).toContain(`Webhook URL: https://hub.example.com/hooks/${id}/${token}`);

    const json = await add('secret=abc', 'members=101:Anna');
    expect(json).toMatchObject({
      name: 'Office',
      connectorId: 'fake',
      webhookUrl: `https://hub.example.com/hooks/${json.id}/${json.token}`,
      settings: { secret: { set: true }, members: '101:Anna' },
      webhookUpdate: { ok: true },
    });
    const store = await openDatabase(db);
    try {
      expect((await store.connections.list()).map((connection) => connection.id)).toEqual([id, json.id]);
    } finally {
      await store.close();
    }
  });

  it('warns when the provider could not be told the webhook URL, and keeps the connection', async () => {
    const text = await run(
      'connection',
      'add',
      '--connector',
      'fake',
      '--setting',
      'secret=abc',
      '--setting',
      'apiUrl=http://127.0.0.1:9',
    );
    expect(text).toMatch(/Warning: the provider was not told the webhook URL: .*did not answer/);
    expect(JSON.parse(await run('connection', 'list', '--json'))).toHaveLength(1);
  });

  it.each([
    [['--connector', 'nope', '--setting', 'secret=x'], /There is no connector "nope"/],
    [['--connector', 'fake'], /Webhook secret is required/],
    [['--connector', 'fake', '--setting', 'secret'], /--setting takes key=value, not "secret"/],
  ])('refuses to add %j', async (args, message) => {
    await expect(run('connection', 'add', ...args)).rejects.toThrow(message);
  });

  it('lists connections as text and JSON', async () => {
    expect(await run('connection', 'list')).toMatch(/No connections yet/);
    const { id, webhookUrl } = await add('secret=abc');
    const text = await run('connection', 'list');
    expect(text).toContain(`${id}  Office (fake)`);
    expect(text).toContain(`webhook URL: ${webhookUrl}`);
    expect(text).toContain('last webhook: none yet; errors in the last hour: 0');
    const [view] = JSON.parse(await run('connection', 'list', '--json'));
    expect(view).toMatchObject({ id, webhookUrl, lastWebhookAt: null, errorsLastHour: 0 });
  });

  it('tests a connection; a failure sets exit code 1', async () => {
    const good = await add('secret=abc');
    expect(await run('connection', 'test', good.id)).toBe('The connection works\n');
    expect(process.exitCode).toBeUndefined();
    const bad = await add('secret=abc', 'failTest=PBX in maintenance');
    expect(JSON.parse(await run('connection', 'test', bad.id, '--json'))).toEqual({
      success: false,
      failReason: 'PBX in maintenance',
    });
    expect(process.exitCode).toBe(1);
    await expect(run('connection', 'test', 'nope')).rejects.toThrow('There is no connection nope');
  });

  it("lists the PBX's members, and fails with the provider's message", async () => {
    const { id } = await add('secret=abc', 'members=101:Anna,102:Boris');
    expect(await run('connection', 'members', id)).toBe('101\tAnna\n102\tBoris\n');
    expect(JSON.parse(await run('connection', 'members', id, '--json'))).toEqual([
      { id: '101', label: 'Anna' },
      { id: '102', label: 'Boris' },
    ]);
    const broken = await add('secret=abc', 'members=101:Anna,101:Again');
    await expect(run('connection', 'members', broken.id)).rejects.toThrow('lists extension 101 twice');
  });

  it('binds an extension to a user by email, replacing only that extension', async () => {
    const { id } = await add('secret=abc');
    const store = await openDatabase(db);
    const [anna, boris] = [
      await seedUser(store, { email: 'anna@example.com', name: 'Anna' }),
      await seedUser(store, { email: 'boris@example.com', name: 'Boris' }),
    ];
    await store.close();

    expect(await run('connection', 'bind', id, '101', 'anna@example.com')).toBe(
      'Extension 101 of "Office" now belongs to Anna <anna@example.com>\n',
    );
    await run('connection', 'bind', id, '102', 'anna@example.com');
    const bindings = JSON.parse(await run('connection', 'bind', id, '101', 'Boris@Example.com', '--json'));
    expect(bindings).toEqual([
      { extension: '101', userId: boris.id },
      { extension: '102', userId: anna.id },
    ]);
    await expect(run('connection', 'bind', id, '103', 'nobody@example.com')).rejects.toThrow(
      'There is no user with the email nobody@example.com',
    );
  });
});

describe('parseSettings', () => {
  it('splits at the first = and keeps the rest of the value', () => {
    expect(parseSettings(['secret=a=b', 'members=101:Anna', 'failTest='])).toEqual({
      secret: 'a=b',
      members: '101:Anna',
      failTest: '',
    });
    expect(() => parseSettings(['=x'])).toThrow('--setting takes key=value');
  });
});
