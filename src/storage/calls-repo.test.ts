import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { at, buildCall, buildLeg, seedConnection, seedUser } from '../testing/storage-fixtures.js';
import type { CallFilter, CallRecordQuery } from './calls-repo.js';
import { readsAtScaleMigration } from './migrations/0005-reads-at-scale.js';
import type { Store } from './database.js';
import type { Call, Connection, User } from './schema.js';

const MINUTE = 60_000;

describeEachDatabase('CallsRepo', (getStore) => {
  it('saves a snapshot with its timeline and reads it back', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const user = await seedUser(store);
    const call = buildCall(connection.id, { external_id: 'ext-1', call_data: '{"id":1}' });
    const late = buildLeg(call.id, { extension: '102', rung_at: at(2000) });
    const early = buildLeg(call.id, { extension: '101', user_id: user.id, rung_at: at(1000) });
    await store.calls.save({ call, legs: [late, early] }, [
      { at: at(0), kind: 'event.start', detail: '{"n":1}' },
      { at: at(0), kind: 'event.start', detail: '{"n":2}' },
    ]);

    const details = await store.calls.get(call.id);
    expect(details?.call).toEqual(call);
    expect(details?.legs).toEqual([early, late]);
    expect(details?.timeline.map((e) => [e.call_id, e.kind, e.detail])).toEqual([
      [call.id, 'event.start', '{"n":1}'],
      [call.id, 'event.start', '{"n":2}'],
    ]);
    expect(await store.calls.get('missing')).toBeUndefined();
  });

  it('saving again replaces the call and legs by id and appends to the timeline', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const call = buildCall(connection.id);
    const leg = buildLeg(call.id);
    await store.calls.save({ call, legs: [leg] }, [{ at: at(0), kind: 'event.start', detail: '{}' }]);

    const answered = { ...call, status: 'talking' as const, answered_at: at(5000), updated_at: at(5000) };
    const answeredLeg = { ...leg, status: 'talking' as const, outcome: 'answered' as const, answered_at: at(5000) };
    const second = buildLeg(call.id, { extension: '102', rung_at: at(100) });
    await store.calls.save({ call: answered, legs: [answeredLeg, second] }, [
      { at: at(5000), kind: 'event.answer', detail: '{}' },
    ]);
    await store.calls.appendTimeline(call.id, [{ at: at(6000), kind: 'ignored.duplicate', detail: '{}' }]);

    const details = await store.calls.get(call.id);
    expect(details?.call).toEqual(answered);
    expect(details?.legs).toEqual([answeredLeg, second]);
    expect(details?.timeline.map((e) => e.kind)).toEqual(['event.start', 'event.answer', 'ignored.duplicate']);
  });

  it('saves all or nothing', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const call = buildCall(connection.id);
    await store.calls.save({ call, legs: [] });
    const changed = { ...call, status: 'ended' as const };
    const broken = buildLeg(call.id, { user_id: 'no-such-user' });
    await expect(
      store.calls.save({ call: changed, legs: [broken] }, [{ at: at(1), kind: 'event.end', detail: '{}' }]),
    ).rejects.toThrow();
    expect(await store.calls.get(call.id)).toEqual({ call, legs: [], timeline: [] });
  });

  it('refuses a leg of another call', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const call = buildCall(connection.id);
    await expect(store.calls.save({ call, legs: [buildLeg('other-call')] })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(await store.calls.get(call.id)).toBeUndefined();
  });

  it('finds the newest call by provider call id within its connection', async () => {
    const store = getStore();
    const [mango, zadarma] = [await seedConnection(store), await seedConnection(store)];
    const old = buildCall(mango.id, { external_id: 'c1', started_at: at(0) });
    const recent = buildCall(mango.id, { external_id: 'c1', started_at: at(MINUTE) });
    const elsewhere = buildCall(zadarma.id, { external_id: 'c1', started_at: at(2 * MINUTE) });
    const leg = buildLeg(recent.id);
    await store.calls.save({ call: old, legs: [] });
    await store.calls.save({ call: recent, legs: [leg] });
    await store.calls.save({ call: elsewhere, legs: [] });
    expect(await store.calls.findByExternalId(mango.id, 'c1')).toEqual({ call: recent, legs: [leg] });
    expect((await store.calls.findByExternalId(zadarma.id, 'c1'))?.call.id).toBe(elsewhere.id);
    expect(await store.calls.findByExternalId(mango.id, 'c2')).toBeUndefined();
  });

  it('finds the open call by numbers and direction, never an ended one', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const key = { connectionId: connection.id, srcPhone: '+7495', dstPhone: '101', direction: 'in' as const };
    const base = { src_phone: '+7495', dst_phone: '101', direction: 'in' as const };
    const ended = buildCall(connection.id, { ...base, status: 'ended', started_at: at(3 * MINUTE) });
    const ringing = buildCall(connection.id, { ...base, status: 'ringing', started_at: at(MINUTE) });
    const outgoing = buildCall(connection.id, { ...base, direction: 'out', started_at: at(2 * MINUTE) });
    for (const call of [ended, ringing, outgoing]) await store.calls.save({ call, legs: [] });

    expect((await store.calls.findOpen(key))?.call.id).toBe(ringing.id);
    expect((await store.calls.findOpen({ ...key, direction: 'out' }))?.call.id).toBe(outgoing.id);
    expect(await store.calls.findOpen({ ...key, dstPhone: '102' })).toBeUndefined();

    const talking = { ...ringing, status: 'talking' as const };
    await store.calls.save({ call: talking, legs: [] });
    expect((await store.calls.findOpen(key))?.call).toEqual(talking);
    await store.calls.save({ call: { ...talking, status: 'ended' }, legs: [] });
    expect(await store.calls.findOpen(key)).toBeUndefined();
  });

  it('lists open calls oldest first, optionally of one connection', async () => {
    const store = getStore();
    const [a, b] = [await seedConnection(store), await seedConnection(store)];
    const second = buildCall(a.id, { started_at: at(2) });
    const first = buildCall(b.id, { status: 'talking', started_at: at(1) });
    for (const call of [second, first, buildCall(a.id, { status: 'ended' })])
      await store.calls.save({ call, legs: [] });
    expect((await store.calls.listOpen()).map((s) => s.call.id)).toEqual([first.id, second.id]);
    expect((await store.calls.listOpen(a.id)).map((s) => s.call.id)).toEqual([second.id]);
  });

  it('matches a call record within the time window, preferring a call without a recording', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const base = { status: 'ended' as const, src_phone: '+7495', dst_phone: '101', client_number: '+7495' };
    const withRecording = buildCall(connection.id, { ...base, started_at: at(2 * MINUTE), has_recording: 1 });
    const older = buildCall(connection.id, { ...base, started_at: at(MINUTE) });
    const newer = buildCall(connection.id, { ...base, started_at: at(90_000) });
    for (const call of [withRecording, older, newer]) await store.calls.save({ call, legs: [] });
    const query: CallRecordQuery = {
      connectionId: connection.id,
      direction: 'in',
      srcPhone: '+7495',
      from: at(0),
      to: at(3 * MINUTE),
    };

    const cases: [Partial<CallRecordQuery>, string | undefined][] = [
      [{}, newer.id],
      [{ to: at(MINUTE) }, older.id],
      [{ from: at(2 * MINUTE) }, withRecording.id],
      [{ from: at(2 * MINUTE + 1) }, undefined],
      [{ dstPhone: '101', clientNumber: '+7495' }, newer.id],
      [{ dstPhone: '102' }, undefined],
      [{ direction: 'out' }, undefined],
    ];
    for (const [change, expected] of cases) {
      expect((await store.calls.findForRecord({ ...query, ...change }))?.call.id, JSON.stringify(change)).toBe(
        expected,
      );
    }
    await expect(
      store.calls.findForRecord({ connectionId: connection.id, direction: 'in', from: at(0), to: at(1) }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('pages newest first by (started_at, id), with ties broken by id', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const calls: Call[] = [];
    for (let i = 0; i < 7; i++) calls.push(buildCall(connection.id, { started_at: at(Math.floor(i / 2) * 1000) }));
    for (const call of calls) await store.calls.save({ call, legs: [] });

    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.calls.list({ limit: 3, ...(cursor && { cursor }) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      ids.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);

    const expected = [...calls]
      .sort((a, b) => (a.started_at === b.started_at ? (a.id < b.id ? 1 : -1) : a.started_at < b.started_at ? 1 : -1))
      .map((c) => c.id);
    expect(ids).toEqual(expected);
    expect((await store.calls.list({ limit: 7 })).nextCursor).toBeNull();
    await expect(store.calls.list({ cursor: 'bm90IGpzb24' })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('filters the history', async () => {
    const store = getStore();
    const { connection, anna, boris } = await seedPeople(store);
    const other = await seedConnection(store);
    const contact = await store.contacts.create({ name: 'Ivan', created_at: at(0), updated_at: at(0) });
    const named = {
      annaOwns: buildCall(connection.id, { owner_id: anna.id, status: 'ended', started_at: at(1 * MINUTE) }),
      annaRung: buildCall(connection.id, { missed: 1, status: 'ended', started_at: at(2 * MINUTE) }),
      borisOut: buildCall(connection.id, {
        owner_id: boris.id,
        direction: 'out',
        client_number: '+7999',
        contact_id: contact.id,
        started_at: at(3 * MINUTE),
      }),
      otherConnection: buildCall(other.id, { direction: 'internal', status: 'talking', started_at: at(4 * MINUTE) }),
    };
    await store.calls.save({ call: named.annaOwns, legs: [] });
    await store.calls.save({ call: named.annaRung, legs: [buildLeg(named.annaRung.id, { user_id: anna.id })] });
    await store.calls.save({ call: named.borisOut, legs: [buildLeg(named.borisOut.id, { user_id: anna.id })] });
    await store.calls.save({ call: named.otherConnection, legs: [] });

    const cases: [CallFilter, (keyof typeof named)[]][] = [
      [{}, ['otherConnection', 'borisOut', 'annaRung', 'annaOwns']],
      [{ connectionId: other.id }, ['otherConnection']],
      [{ status: 'ended' }, ['annaRung', 'annaOwns']],
      [{ status: 'ringing' }, ['borisOut']],
      [{ direction: 'out' }, ['borisOut']],
      [{ direction: 'internal' }, ['otherConnection']],
      [{ userId: anna.id }, ['borisOut', 'annaRung', 'annaOwns']],
      [{ userId: boris.id }, ['borisOut']],
      [{ contactId: contact.id }, ['borisOut']],
      [{ phone: '+7999' }, ['borisOut']],
      [{ missed: true }, ['annaRung']],
      [{ missed: false, userId: anna.id }, ['borisOut', 'annaOwns']],
      [{ since: at(2 * MINUTE) }, ['otherConnection', 'borisOut', 'annaRung']],
      [{ until: at(2 * MINUTE) }, ['annaOwns']],
      [{ since: at(2 * MINUTE), until: at(4 * MINUTE), userId: anna.id }, ['borisOut', 'annaRung']],
    ];
    const nameOf = new Map(Object.entries(named).map(([name, call]) => [call.id, name]));
    for (const [filter, expected] of cases) {
      const page = await store.calls.list(filter);
      expect(
        page.items.map((c) => nameOf.get(c.id)),
        JSON.stringify(filter),
      ).toEqual(expected);
    }
  });

  it('finds the participants of calls stored before migration 0005 (the migration fills them in)', async () => {
    const store = getStore();
    const { connection, anna, boris } = await seedPeople(store);
    const owned = buildCall(connection.id, { owner_id: anna.id, missed: 1, started_at: at(MINUTE) });
    const rung = buildCall(connection.id, { owner_id: boris.id, started_at: at(2 * MINUTE) });
    await store.calls.save({ call: owned, legs: [] });
    await store.calls.save({ call: rung, legs: [buildLeg(rung.id, { user_id: anna.id })] });
    // As a database upgraded from 0004 has it: calls and legs, no participants yet.
    await sql`drop table call_participants`.execute(store.db);
    for (const index of ['calls_live', 'calls_live_numbers']) await sql`drop index ${sql.ref(index)}`.execute(store.db);
    await readsAtScaleMigration(store.dialect).up(store.db as unknown as Kysely<unknown>);

    expect((await store.calls.list({ userId: anna.id })).items.map((c) => c.id)).toEqual([rung.id, owned.id]);
    expect((await store.calls.list({ userId: boris.id })).items.map((c) => c.id)).toEqual([rung.id]);
    expect(await store.calls.countMissed(anna.id, at(0))).toBe(1);
  });

  it('lists a user’s calls not yet ended, newest first', async () => {
    const store = getStore();
    const { connection, anna, boris } = await seedPeople(store);
    const ringing = buildCall(connection.id, { status: 'ringing', started_at: at(2 * MINUTE) });
    const talking = buildCall(connection.id, { status: 'talking', owner_id: anna.id, started_at: at(MINUTE) });
    const ended = buildCall(connection.id, { status: 'ended', owner_id: anna.id, started_at: at(3 * MINUTE) });
    const borisRinging = buildCall(connection.id, {
      status: 'ringing',
      owner_id: boris.id,
      started_at: at(4 * MINUTE),
    });
    await store.calls.save({ call: ringing, legs: [buildLeg(ringing.id, { user_id: anna.id })] });
    for (const call of [talking, ended, borisRinging]) await store.calls.save({ call, legs: [] });
    expect((await store.calls.listLive(anna.id)).map((c) => c.id)).toEqual([ringing.id, talking.id]);

    await store.calls.save({ call: { ...ringing, status: 'ended' }, legs: [] });
    expect((await store.calls.listLive(anna.id)).map((c) => c.id)).toEqual([talking.id]);
    expect((await store.calls.listLive(boris.id)).map((c) => c.id)).toEqual([borisRinging.id]);
  });

  it('counts a user’s missed calls since a time', async () => {
    const store = getStore();
    const { connection, anna, boris } = await seedPeople(store);
    const missedOwned = buildCall(connection.id, { missed: 1, owner_id: anna.id, started_at: at(MINUTE) });
    const missedRung = buildCall(connection.id, { missed: 1, started_at: at(2 * MINUTE) });
    const missedBefore = buildCall(connection.id, { missed: 1, owner_id: anna.id, started_at: at(0) });
    const answered = buildCall(connection.id, { owner_id: anna.id, started_at: at(3 * MINUTE) });
    const missedBoris = buildCall(connection.id, { missed: 1, owner_id: boris.id, started_at: at(3 * MINUTE) });
    await store.calls.save({ call: missedOwned, legs: [] });
    // Anna was rung twice in this call: it still counts once.
    await store.calls.save({
      call: missedRung,
      legs: [buildLeg(missedRung.id, { user_id: anna.id }), buildLeg(missedRung.id, { user_id: anna.id })],
    });
    for (const call of [missedBefore, answered, missedBoris]) await store.calls.save({ call, legs: [] });
    expect(await store.calls.countMissed(anna.id, at(MINUTE))).toBe(2);
    expect(await store.calls.countMissed(anna.id, at(0))).toBe(3);
    expect(await store.calls.countMissed(boris.id, at(0))).toBe(1);
  });

  it('counts live calls and sums each agent’s day and each hour', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const anna = await seedUser(store, { name: 'Anna' });
    const boris = await seedUser(store, { name: 'Boris' });
    const HOUR = 60 * MINUTE;
    const calls = [
      // Before the window: counted nowhere.
      buildCall(connection.id, {
        owner_id: anna.id,
        status: 'ended',
        answered_at: at(0),
        duration: 99,
        started_at: at(-HOUR),
      }),
      buildCall(connection.id, {
        owner_id: anna.id,
        status: 'ended',
        answered_at: at(MINUTE),
        duration: 30,
        started_at: at(0),
      }),
      buildCall(connection.id, {
        owner_id: anna.id,
        status: 'talking',
        answered_at: at(HOUR),
        duration: null,
        started_at: at(HOUR),
      }),
      buildCall(connection.id, {
        owner_id: boris.id,
        direction: 'out',
        status: 'ended',
        answered_at: at(HOUR),
        duration: 45,
        started_at: at(HOUR + MINUTE),
      }),
      buildCall(connection.id, { missed: 1, status: 'ended', started_at: at(2 * MINUTE) }),
      buildCall(connection.id, { direction: 'internal', status: 'ringing', started_at: at(HOUR + 2 * MINUTE) }),
    ];
    for (const call of calls) await store.calls.save({ call, legs: [] });
    // The missed call rang both agents; Anna twice.
    const missed = calls[4]!;
    await store.calls.save({
      call: missed,
      legs: [
        buildLeg(missed.id, { user_id: anna.id }),
        buildLeg(missed.id, { user_id: anna.id }),
        buildLeg(missed.id, { user_id: boris.id }),
      ],
    });

    expect(await store.calls.countLive()).toBe(2);
    expect(await store.calls.statsPerAgent(at(0))).toEqual([
      { userId: anna.id, name: 'Anna', answered: 2, missed: 1, talkSeconds: 30 },
      { userId: boris.id, name: 'Boris', answered: 1, missed: 1, talkSeconds: 45 },
    ]);
    expect(await store.calls.statsPerAgent(at(2 * HOUR))).toEqual([]);
    expect(await store.calls.statsPerHour(at(0))).toEqual([
      { hour: '2024-05-01T10', in: 2, out: 0, missed: 1 },
      { hour: '2024-05-01T11', in: 1, out: 1, missed: 0 },
    ]);
  });

  it('counts calls by connection and status', async () => {
    const store = getStore();
    const [a, b] = [await seedConnection(store), await seedConnection(store)];
    const statuses = [
      [a, 'ringing'],
      [a, 'ended'],
      [a, 'ended'],
      [b, 'talking'],
      [a, 'ended'],
    ] as const;
    for (const [connection, status] of statuses) {
      await store.calls.save({ call: buildCall(connection.id, { status }), legs: [] });
    }
    const counts = await store.calls.countByStatus();
    expect(counts).toHaveLength(3);
    expect(counts).toEqual(
      expect.arrayContaining([
        { connection_id: a.id, status: 'ringing', count: 1 },
        { connection_id: a.id, status: 'ended', count: 3 },
        { connection_id: b.id, status: 'talking', count: 1 },
      ]),
    );
    expect(await store.calls.countByStatus({ statuses: ['ended'] })).toEqual([
      { connection_id: a.id, status: 'ended', count: 3 },
    ]);
    expect(
      await store.calls.countByStatus({
        connectionIds: [b.id, 'no-such-connection'],
        statuses: ['ringing', 'talking'],
      }),
    ).toEqual([{ connection_id: b.id, status: 'talking', count: 1 }]);
    expect(await store.calls.countByStatus({ connectionIds: [] })).toEqual([]);
  });
});

async function seedPeople(store: Store): Promise<{ connection: Connection; anna: User; boris: User }> {
  return { connection: await seedConnection(store), anna: await seedUser(store), boris: await seedUser(store) };
}
