import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from './main.js';

const kamailioInstalled = spawnSync('sh', ['-c', 'command -v kamailio'], { stdio: 'ignore' }).status === 0;

describe('switchboard pbx kamailio', () => {
  let dir: string;
  let db: string;
  let output: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-pbx-'));
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

  async function run(...args: string[]): Promise<string> {
    output = [];
    await buildProgram()
      .exitOverride()
      .parseAsync([...args, '--db', db, '--public-url', 'http://127.0.0.1:3000'], { from: 'user' });
    return output.join('');
  }

  async function add(...settings: string[]): Promise<{ id: string; webhookUrl: string }> {
    const args = settings.flatMap((setting) => ['--setting', setting]);
    return JSON.parse(await run('connection', 'add', '--connector', 'kamailio', ...args, '--json')) as {
      id: string;
      webhookUrl: string;
    };
  }

  it("writes the profile with the connection's webhook URL, secret, ports and extensions", async () => {
    const added = await add(
      'controlUrl=http://127.0.0.1:25080',
      'secret=office-secret-123',
      'sipPort=25060',
      'extensions=1001=alpha1,1002=beta2',
    );
    const out = join(dir, 'pbx');
    const printed = await run('pbx', 'kamailio', '--connection', added.id, '--dir', out, '--write-only');
    expect(printed).toContain('proxy 127.0.0.1:25060');
    const local = readFileSync(join(out, 'switchboard-local.cfg'), 'utf8');
    expect(local).toContain(`#!substdef "!SB_WEBHOOK_URL!${added.webhookUrl}!g"`);
    expect(local).toContain('#!substdef "!SB_SECRET!office-secret-123!g"');
    expect(local).toContain('#!substdef "!SB_SIP_PORT!25060!g"');
    expect(local).toContain('#!substdef "!SB_HTTP_PORT!25080!g"');
    expect(local).not.toContain('WITH_RECORDING');
    const extensions = readFileSync(join(out, 'switchboard-extensions.cfg'), 'utf8');
    expect(extensions).toContain('$sht(ext=>1001) = "alpha1";');
    expect(extensions).toContain('$sht(ext=>1002) = "beta2";');
    if (kamailioInstalled) {
      // Kamailio's own syntax check of the written configuration.
      execFileSync('kamailio', ['-c', '-f', join(out, 'kamailio.cfg'), '-Y', out], { stdio: 'pipe' });
    }
  });

  it('turns recording on with a recordings URL', async () => {
    const added = await add(
      'secret=office-secret-123',
      'extensions=1001=alpha1',
      'recordingsUrl=http://127.0.0.1:25081',
    );
    const out = join(dir, 'pbx');
    await run('pbx', 'kamailio', '--connection', added.id, '--dir', out, '--write-only', '--rtpengine-port', '23333');
    const local = readFileSync(join(out, 'switchboard-local.cfg'), 'utf8');
    expect(local).toContain('#!define WITH_RECORDING');
    expect(local).toContain('#!substdef "!SB_RTPENGINE!udp:127.0.0.1:23333!g"');
    if (kamailioInstalled)
      execFileSync('kamailio', ['-c', '-f', join(out, 'kamailio.cfg'), '-Y', out], { stdio: 'pipe' });
  });

  it('refuses a connection of another connector, and one without extensions', async () => {
    const fake = JSON.parse(
      await run('connection', 'add', '--connector', 'fake', '--setting', 'secret=s', '--json'),
    ) as { id: string };
    await expect(run('pbx', 'kamailio', '--connection', fake.id, '--write-only')).rejects.toThrow(/not a kamailio one/);
    const empty = await add('secret=office-secret-123');
    await expect(run('pbx', 'kamailio', '--connection', empty.id, '--write-only')).rejects.toThrow(/no extensions/);
  });
});
