/** A real `switchboard serve` process for tests, and the CLI run the way an admin runs it. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { closedPort } from './http-helpers.js';

export const SWITCHBOARD_BIN = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));
const run = promisify(execFile);

/** One secret for every process of a test, so all of them read the same sealed settings. */
export const TEST_PROCESS_ENV = { SWITCHBOARD_SECRET: 'process-test-key', SWITCHBOARD_LOG_LEVEL: 'warn' };

export interface HubProcess {
  base: string;
  child: ChildProcess;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or an out-of-memory kill, and wait for the exit. */
  kill(): Promise<void>;
}

/** Starts `switchboard serve` on `db` at a free port and resolves once it serves. */
export async function startHubProcess(db: string, env: Record<string, string> = {}): Promise<HubProcess> {
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [SWITCHBOARD_BIN, 'serve', '--port', String(port), '--db', db], {
    env: { ...process.env, ...TEST_PROCESS_ENV, SWITCHBOARD_PUBLIC_URL: base, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Switchboard is serving')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the hub exited with ${code}: ${out}`)));
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  return { base, child, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

/** Runs `switchboard <args> --db <db> --json` and returns the parsed output. */
export async function runCli(db: string, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [SWITCHBOARD_BIN, ...args, '--db', db, '--json'], {
    env: { ...process.env, ...TEST_PROCESS_ENV },
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}
