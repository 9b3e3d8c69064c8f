import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from './main.js';

const GRAVITEL = fileURLToPath(new URL('../../examples/elma365/gravitel-style.ts', import.meta.url));

describe('switchboard module', () => {
  let dir: string;
  let db: string;
  let output: string[];
  let errors: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-module-'));
    db = join(dir, 'hub.db');
    output = [];
    errors = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => output.push(String(chunk)) > 0);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => errors.push(String(chunk)) > 0);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<string> {
    output = [];
    await buildProgram().exitOverride().parseAsync(args, { from: 'user' });
    return output.join('');
  }
  const withDb = (...args: string[]) => run(...args, '--db', db, '--public-url', 'https://hub.example.com');

  it('adds a script, lists it, refuses to remove it while a connection uses it', async () => {
    const text = await withDb(
      'module',
      'add',
      '--script',
      GRAVITEL,
      '--name',
      'Gravitel',
      '--settings',
      'apiKey,endpoint',
    );
    expect(text.split('\n')[0]).toBe('ext-gravitel');
    expect(text).toContain('Installed "Gravitel" with settings: apiKey, endpoint');

    const schema = join(dir, 'settings.json');
    writeFileSync(
      schema,
      JSON.stringify([
        { key: 'apiKey', label: 'API key', secret: true },
        { key: 'endpoint', type: 'url' },
      ]),
    );
    const second = JSON.parse(
      await withDb(
        'module',
        'add',
        '--script',
        GRAVITEL,
        '--name',
        'Gravitel two',
        '--settings-schema',
        schema,
        '--json',
      ),
    ) as { id: string; settings: unknown[]; functions: string[] };
    expect(second).toMatchObject({
      id: 'ext-gravitel-two',
      settings: [
        { key: 'apiKey', type: 'string', label: 'API key', secret: true },
        { key: 'endpoint', type: 'url', label: 'endpoint' },
      ],
    });
    expect(second.functions).toContain('VoipOnWebhookUpdated');

    const listed = JSON.parse(await withDb('module', 'list', '--json')) as Array<{ id: string }>;
    expect(listed.map((m) => m.id)).toEqual(['ext-gravitel', 'ext-gravitel-two']);

    const connection = JSON.parse(
      await withDb('connection', 'add', '--connector', 'ext-gravitel', '--setting', 'apiKey=k', '--json'),
    ) as { connectorId: string };
    expect(connection.connectorId).toBe('ext-gravitel');
    await expect(withDb('module', 'remove', 'ext-gravitel')).rejects.toThrow(
      /used by the connection "Gravitel": delete it first/,
    );
    expect(await withDb('module', 'remove', 'ext-gravitel-two')).toContain('Removed ext-gravitel-two');
    expect((JSON.parse(await withDb('module', 'list', '--json')) as unknown[]).length).toBe(1);
  });

  it('refuses a script that is not a module, and a name taken', async () => {
    const bad = join(dir, 'bad.ts');
    writeFileSync(bad, 'async function VoipTestConnection() { return { success: true }; }');
    await expect(withDb('module', 'add', '--script', bad, '--name', 'Bad')).rejects.toThrow(
      /The script has no VoipGetMembers/,
    );
    await expect(withDb('module', 'add', '--script', join(dir, 'missing.ts'), '--name', 'X')).rejects.toThrow(
      /Cannot read the script .*missing\.ts: ENOENT/,
    );
    await withDb('module', 'add', '--script', GRAVITEL, '--name', 'Taken');
    await expect(withDb('module', 'add', '--script', GRAVITEL, '--name', 'taken')).rejects.toThrow(
      /already a connector ext-taken/,
    );
  });

  it(
    'exports a built-in connector with its settings on stderr, and the export checks out',
    { timeout: 30_000 },
    async () => {
      const script = await run('module', 'export', 'fake');
      expect(script).toMatch(/^async function VoipTestConnection\(\)/m);
      expect(errors.join('')).toContain('secret: String, required, secret — Webhook secret');
      const file = join(dir, 'fake.ts');
      writeFileSync(file, script);
      const report = await run('module', 'check', file, '--emulator', 'fake');
      expect(report).toMatch(/PASSED: \d+ passed, 0 failed, 0 skipped/);
      expect(process.exitCode).toBeUndefined();
    },
  );

  it('reports a failing check with exit code 1', async () => {
    const file = join(dir, 'lazy.js');
    writeFileSync(
      file,
      ['VoipTestConnection', 'VoipGetMembers', 'VoipParseWebhookRequest', 'VoipGenerateCall', 'VoipGetCallLink']
        .map((fn) => `async function ${fn}() { return ${fn === 'VoipGetMembers' ? '[]' : '{}'}; }`)
        .join('\n'),
    );
    const report = await run('module', 'check', file);
    expect(report).toMatch(/^✗ garbage gets a 4xx and no event$/m);
    expect(report).toContain('status 200, expected 4xx');
    expect(report).toMatch(/FAILED: /);
    expect(process.exitCode).toBe(1);
  });
});
