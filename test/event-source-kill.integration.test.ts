/**
 * Two real hub processes on one PostgreSQL and one Asterisk: the process holding the AMI connection is killed
 * with SIGKILL in the middle of a call; the other one takes the connection over within seconds, finds the call
 * still up in the live channels, and ends it correctly when the PBX hangs up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAsteriskAmiEmulator, type AsteriskAmiEmulator } from '../src/emulators/asterisk/asterisk-ami-emulator.js';
import { createTestDatabase, PG_URL_VARIABLE, type TestDatabase } from '../src/testing/databases.js';
import { runCli, startHubProcess, type HubProcess } from '../src/testing/hub-process.js';

const hasPostgres = Boolean(process.env[PG_URL_VARIABLE]);
const title = hasPostgres
  ? 'killing the hub process that follows an Asterisk'
  : `killing the hub process that follows an Asterisk (skipped: set ${PG_URL_VARIABLE}=postgres://… to run)`;
const CLIENT = '79161234567';

describe.skipIf(!hasPostgres)(title, () => {
  let database: TestDatabase;
  let emulator: AsteriskAmiEmulator;
  const hubs: HubProcess[] = [];
  let token: string;
  let connectionId: string;

  const get = async <T>(hub: HubProcess, path: string): Promise<T> =>
    (await (await fetch(`${hub.base}${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as T;
  const following = () => emulator.sessions().filter((session) => session.events).length;
  const holderPid = async (hub: HubProcess) =>
    (
      await get<{ eventSource?: { instance: string | null } }>(hub, `/api/v1/connections/${connectionId}`)
    ).eventSource?.instance?.split(':')[1];
  const callOf = async (hub: HubProcess, linkedid: string) =>
    (await get<{ items: Array<Record<string, unknown>> }>(hub, '/api/v1/calls?limit=50')).items.find(
      (call) => call.externalId === linkedid,
    );

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    emulator = await startAsteriskAmiEmulator({ users: { hub: 'secret' } });
    const db = database.target;
    await runCli(db, 'user', 'add', '--email', 'admin@example.com', '--name', 'Admin', '--role', 'admin');
    await runCli(db, 'user', 'add', '--email', 'anna@example.com', '--name', 'Anna', '--role', 'agent');
    token = String((await runCli(db, 'token', 'create', '--email', 'admin@example.com')).token);
    const connection = await runCli(
      db,
      ...['connection', 'add', '--connector', 'asterisk', '--name', 'Asterisk'],
      ...['--setting', `host=${emulator.host}`, '--setting', `port=${emulator.port}`],
      ...['--setting', 'user=hub', '--setting', 'secret=secret'],
    );
    connectionId = String(connection.id);
    await runCli(db, 'connection', 'bind', connectionId, '101', 'anna@example.com');
    hubs.push(await startHubProcess(db), await startHubProcess(db));
  }, 60_000);

  afterAll(async () => {
    for (const hub of hubs) await hub.stop();
    await emulator?.close();
    await database?.dispose();
  });

  it('moves the connection to the other instance, which ends the call in progress', async () => {
    await expect.poll(following, { timeout: 15_000, interval: 200 }).toBe(1);
    const pid = await holderPid(hubs[0]!);
    const holder = hubs.find((hub) => String(hub.child.pid) === pid)!;
    const other = hubs.find((hub) => hub !== holder)!;
    expect(holder).toBeDefined();

    const played = await emulator.playScenario({ name: 'incoming-answered', client: CLIENT, until: 10 });
    await expect.poll(async () => (await callOf(other, played.linkedid))?.status, { timeout: 5000 }).toBe('talking');

    await holder.kill();
    const killedAt = Date.now();
    await expect
      .poll(async () => (await holderPid(other)) === String(other.child.pid) && following() === 1, {
        timeout: 15_000,
        interval: 200,
      })
      .toBe(true);
    // The standby tries the lock every 5 s: the move takes seconds, not minutes.
    expect(Date.now() - killedAt).toBeLessThan(12_000);
    // The survivor found the call still up in the live channels: not ended by the move.
    expect((await callOf(other, played.linkedid))?.status).toBe('talking');

    await emulator.finishCall(played.linkedid);
    await expect.poll(async () => (await callOf(other, played.linkedid))?.status, { timeout: 5000 }).toBe('ended');
    expect(await callOf(other, played.linkedid)).toMatchObject({
      disposition: 'answered',
      missed: false,
      duration: 42,
      clientNumber: `+${CLIENT}`,
    });
    const calls = await get<{ items: Array<{ externalId: string }> }>(other, '/api/v1/calls?limit=50');
    expect(calls.items.filter((call) => call.externalId === played.linkedid)).toHaveLength(1);
    hubs.splice(hubs.indexOf(holder), 1);
  }, 60_000);
});
