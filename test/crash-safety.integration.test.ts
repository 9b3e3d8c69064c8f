/**
 * Crash safety: a real hub process takes a stream of signed webhooks, is killed with SIGKILL in the middle,
 * and is started again; the sender then retries every webhook that got no 2xx, as providers do. Every
 * webhook must end up applied exactly once, and no call duplicated or lost.
 */
import { expect, it } from 'vitest';
import { FAKE_SIGNATURE_HEADER, signFakeBody } from '../src/connectors/fake/fake-webhook.js';
import { describeEachDatabase } from '../src/testing/databases.js';
import { runCli, startHubProcess, type HubProcess } from '../src/testing/hub-process.js';

const SECRET = 'crash-test-secret';
const CALLS = 50;
const SENDERS = 6;

interface Hook {
  callId: string;
  body: string;
  answered: boolean;
}

function callHooks(index: number): Hook[] {
  const callId = `crash-${index}`;
  const base = { direction: 'in', from: `+7495${String(1000000 + index)}`, to: '101', callId };
  return [
    { ...base, type: 'start' },
    { ...base, type: 'answer' },
    { ...base, type: 'end', disposition: 'answered' },
    {
      ...base,
      type: 'record',
      disposition: 'answered',
      duration: 10 + index,
      recording: `https://pbx.example/${callId}.wav`,
    },
  ].map((payload) => ({ callId, body: JSON.stringify(payload), answered: false }));
}

async function post(url: string, hook: Hook): Promise<void> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [FAKE_SIGNATURE_HEADER]: signFakeBody(hook.body, SECRET) },
      body: hook.body,
    });
    await response.arrayBuffer();
    hook.answered = response.status >= 200 && response.status < 300;
  } catch {
    // The hub died under this request: the sender will retry it.
  }
}

describeEachDatabase('a hub killed in the middle of a webhook stream', (getStore, _dialect, getUrl) => {
  it('applies every webhook exactly once after a restart and the senders’ retries', async () => {
    const db = getUrl();
    await runCli(
      db,
      'user',
      'add',
      '--email',
      'anna@example.com',
      '--name',
      'Anna',
      '--role',
      'agent',
      '--password',
      'anna-password',
    );
    const connection = await runCli(
      db,
      ...['connection', 'add', '--connector', 'fake', '--name', 'Office'],
      ...['--setting', `secret=${SECRET}`, '--setting', 'recordingHosts=pbx.example'],
    );
    await runCli(db, 'connection', 'bind', String(connection.id), '101', 'anna@example.com');
    const path = new URL(String(connection.webhookUrl)).pathname;

    // Calls interleave, as on a busy PBX: each call's webhooks in order, several calls at once.
    const perCall = Array.from({ length: CALLS }, (_, index) => callHooks(index));
    const hooks = perCall[0]!.flatMap((_, step) => perCall.map((call) => call[step]!));

    let hub: HubProcess = await startHubProcess(db);
    let next = 0;
    let killed: Promise<void> | undefined;
    const sender = async (url: string) => {
      while (next < hooks.length) {
        const hook = hooks[next++]!;
        await post(url, hook);
        if (!killed && next >= hooks.length / 2) killed = hub.kill();
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, () => sender(`${hub.base}${path}`)));
    await killed;
    const lost = hooks.filter((hook) => !hook.answered);
    expect(lost.length, 'webhooks the crash left without an answer').toBeGreaterThan(0);

    hub = await startHubProcess(db);
    for (const hook of lost) await post(`${hub.base}${path}`, hook);
    await hub.stop();
    expect(hooks.filter((hook) => !hook.answered)).toEqual([]);

    const store = getStore();
    const rows = await store.db.selectFrom('webhooks').select(['body', 'status']).execute();
    expect(rows.filter((row) => row.status === 'pending')).toEqual([]);
    const applied = new Map<string, number>();
    for (const row of rows) {
      if (row.status === 'processed') applied.set(row.body, (applied.get(row.body) ?? 0) + 1);
    }
    for (const hook of hooks) expect(applied.get(hook.body), hook.body).toBe(1);
    expect(rows.every((row) => row.status === 'processed' || row.status === 'duplicate')).toBe(true);

    const calls = await store.db.selectFrom('calls').selectAll().execute();
    expect(calls.map((call) => call.external_id).sort()).toEqual(perCall.map((call) => call[0]!.callId).sort());
    for (const call of calls) {
      const index = Number(call.external_id!.slice('crash-'.length));
      expect(call, call.external_id!).toMatchObject({
        status: 'ended',
        disposition: 'answered',
        duration: 10 + index,
        has_recording: 1,
        missed: 0,
      });
      expect(call.owner_id).not.toBeNull();
      expect(await store.calls.listInputs(call.id)).toHaveLength(4);
    }
  }, 90_000);
});
