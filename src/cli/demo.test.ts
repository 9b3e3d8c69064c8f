/** The demo started in-process for a few seconds: its logins work and its calls reach the history. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from './demo.js';

interface CallItem {
  direction: string;
  missed: boolean;
  hasRecording: boolean;
  contact: { name: string } | null;
  owner: { name: string } | null;
}

describe('switchboard demo', () => {
  let dir: string;
  let demo: RunningDemo;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-demo-test-'));
    demo = await startDemo({ dir, port: 0, intervalMs: 250, stepMs: 10 });
  }, 30_000);

  afterAll(async () => {
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signIn = async (email: string, password: string) => {
    const response = await fetch(`${demo.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(response.status).toBe(200);
    const cookie = /sb_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
    if (!cookie) throw new Error('no session cookie');
    return cookie;
  };

  it('signs in every login it prints', async () => {
    expect(demo.logins.map((login) => login.role)).toEqual(['admin', 'agent', 'agent', 'agent']);
    for (const login of demo.logins) await signIn(login.email, login.password);
  });

  it('plays answered, missed and recorded calls with known contacts', async () => {
    const admin = demo.logins.find((login) => login.role === 'admin');
    const cookie = await signIn(admin?.email ?? '', admin?.password ?? '');
    let calls: CallItem[] = [];
    const deadline = Date.now() + 15_000;
    const enough = () =>
      calls.some((c) => c.missed) && calls.some((c) => c.hasRecording) && calls.some((c) => c.owner && !c.missed);
    while (!enough() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const response = await fetch(`${demo.url}/api/v1/calls?limit=100`, { headers: { cookie } });
      calls = ((await response.json()) as { items: CallItem[] }).items;
    }
    expect(enough()).toBe(true);
    expect(demo.played).toBeGreaterThanOrEqual(4);
    expect(calls.some((c) => c.contact?.name === 'Дмитрий Кузнецов')).toBe(true);
    const agents = new Set(demo.logins.filter((l) => l.role === 'agent').map((l) => l.name));
    expect(calls.every((c) => c.owner === null || agents.has(c.owner.name))).toBe(true);
  }, 30_000);
});
