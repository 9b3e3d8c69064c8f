import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSecretBox } from '../runtime/secret-box.js';
import { loadConfig } from '../server/config.js';
import { openHubStore } from '../server/main.js';
import { openDatabase } from '../storage/index.js';
import { buildProgram } from './main.js';

const PLAIN = 'the-fake-pbx-secret';

describe('switchboard secret rotate', () => {
  let dir: string;
  let db: string;
  let output: string[];
  const saved = { ...process.env };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-secret-'));
    db = join(dir, 'hub.db');
    output = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output.push(String(chunk));
      return true;
    });
    delete process.env.SWITCHBOARD_SECRET;
    delete process.env.SWITCHBOARD_NEW_SECRET;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<string> {
    output = [];
    await buildProgram()
      .exitOverride()
      .parseAsync([...args, '--db', db], { from: 'user' });
    return output.join('');
  }

  async function sealedValue(): Promise<string> {
    const store = await openDatabase(db);
    const [connection] = await store.connections.list();
    await store.close();
    return JSON.parse(connection!.settings).secret as string;
  }

  async function addConnection(): Promise<void> {
    await run('connection', 'add', '--connector', 'fake', '--name', 'Office', '--setting', `secret=${PLAIN}`);
  }

  it('with a key file: a new key, the old one kept as .previous, every secret sealed with the new one', async () => {
    await addConnection();
    const keyFile = join(dir, 'secret.key');
    const oldKey = readFileSync(keyFile, 'utf8').trim();
    const before = await sealedValue();
    expect(createSecretBox(oldKey).open(before)).toBe(PLAIN);

    expect(JSON.parse(await run('secret', 'rotate', '--json'))).toMatchObject({ resealed: 1 });
    const newKey = readFileSync(keyFile, 'utf8').trim();
    expect(newKey).not.toBe(oldKey);
    expect(readFileSync(`${keyFile}.previous`, 'utf8').trim()).toBe(oldKey);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(`${keyFile}.previous`).mode & 0o777).toBe(0o600);

    const after = await sealedValue();
    expect(after).not.toBe(before);
    expect(createSecretBox(newKey).open(after)).toBe(PLAIN);
    expect(() => createSecretBox(oldKey).open(after)).toThrow(/cannot be decrypted/);
    // Whatever is still sealed with the old key (another instance wrote it meanwhile) opens through .previous.
    const hub = await openHubStore(loadConfig({ db }));
    expect(hub.box.open(before)).toBe(PLAIN);
    expect(hub.box.open(after)).toBe(PLAIN);
    await hub.store.close();
  });

  it('with SWITCHBOARD_SECRET: asks for the new one, then seals with it', async () => {
    process.env.SWITCHBOARD_SECRET = 'the-old-secret';
    await addConnection();
    await expect(run('secret', 'rotate')).rejects.toThrow(/SWITCHBOARD_NEW_SECRET/);
    process.env.SWITCHBOARD_NEW_SECRET = 'the-new-secret';
    expect(await run('secret', 'rotate')).toMatch(/Sealed 1 secrets with the new key/);
    const after = await sealedValue();
    expect(createSecretBox('the-new-secret').open(after)).toBe(PLAIN);
    expect(() => createSecretBox('the-old-secret').open(after)).toThrow();
    // During the rolling restart the old secret only opens.
    expect(createSecretBox('the-old-secret', ['the-new-secret']).open(after)).toBe(PLAIN);
  });
});
