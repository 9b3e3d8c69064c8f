/**
 * 3. Scale: many calls and contacts seeded in bulk (the seeding speed is a figure too), then the reads
 * an agent's screen makes, timed against the store: a contact by number, a page of the agent's call
 * history (cursor pagination), the missed-calls counter. Then the hub process's memory with 10,000
 * calls ringing, rung through its webhook endpoint.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { openDatabase, type Store } from '../src/storage/index.js';
import { createBenchDatabase, type DatabaseKind } from './databases.js';
import { seedHub, serveHub } from './hub-under-test.js';
import { mangoTraffic, ringingOnly } from './mango-traffic.js';
import { ms, perSecond, table } from './report.js';

const AGENTS = 50;
const BATCH = 500;
const SAMPLES = 5000;
const LIVE_CALLS = 10_000;

export async function scale(kind: DatabaseKind, rows: number): Promise<string> {
  const db = await createBenchDatabase(kind, 'scale');
  try {
    const seeded = await seedHub(db.target, { agents: AGENTS, connections: 1 });
    const store = await openDatabase(db.target);
    let seeding;
    let reads;
    try {
      const connectionId = seeded.hooks[0]?.split('/')[2] as string;
      const agents = [...seeded.agents.values()].map((agent) => agent.userId);
      progress(`${kind}: seeding ${rows} contacts and calls`);
      seeding = await seedRows(store, connectionId, agents, rows);
      progress(`${kind}: timing the reads`);
      reads = await timeReads(store, agents, rows);
    } finally {
      await store.close();
    }
    progress(`${kind}: ringing ${LIVE_CALLS} calls through a hub process`);
    const rss = await liveCallsRss(kind);
    return [
      `### ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${perSecond(rows)} calls and ${perSecond(rows)} contacts`,
      '',
      `Seeding: ${perSecond(seeding.contacts)} contacts/s (with a phone each), ${perSecond(seeding.calls)} calls/s ` +
        `(with a leg each; ${AGENTS} agents, one call in five missed), bulk inserts of ${BATCH} rows, ` +
        `one transaction per batch. Reads: ${SAMPLES} each, straight against the store in one process ` +
        `(no HTTP), numbers and agents picked at random, after a full garbage collection.`,
      '',
      table(
        ['read', 'p50', 'p99', 'target'],
        [
          ['contact by number', ms(reads.lookup.p50), ms(reads.lookup.p99), 'p99 < 1 ms'],
          ['call history, first page (50)', ms(reads.firstPage.p50), ms(reads.firstPage.p99), 'p99 < 10 ms'],
          ['call history, next page (cursor)', ms(reads.nextPage.p50), ms(reads.nextPage.p99), 'p99 < 10 ms'],
          ['missed-calls counter (7 days)', ms(reads.missed.p50), ms(reads.missed.p99), 'p99 < 10 ms'],
        ],
      ),
      '',
      `**Hub RSS with ${perSecond(rss.live)} calls ringing: ${(rss.rss / 2 ** 20).toFixed(0)} MB** ` +
        `(${(rss.idle / 2 ** 20).toFixed(0)} MB before the first; target < 200 MB).`,
    ].join('\n');
  } finally {
    await db.drop();
  }
}

/** Each phase takes minutes at a million rows: say what is running. */
function progress(what: string): void {
  process.stdout.write(`scale ${new Date().toISOString().slice(11, 19)}: ${what}\n`);
}

async function seedRows(store: Store, connectionId: string, agents: string[], rows: number) {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const contactsStarted = performance.now();
  for (let first = 0; first < rows; first += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, rows - first) }, (_, n) => first + n);
    const at = new Date(start).toISOString();
    const contacts = ids.map((n) => ({
      id: randomUUID(),
      name: `Contact ${n}`,
      company: n % 3 === 0 ? `Company ${n % 1000}` : null,
      email: null,
      notes: null,
      owner_id: agents[n % agents.length] as string,
      created_at: at,
      updated_at: at,
    }));
    await store.db.transaction().execute(async (tx) => {
      await tx.insertInto('contacts').values(contacts).execute();
      await tx
        .insertInto('contact_phones')
        .values(
          contacts.map((c, i) => ({
            contact_id: c.id,
            number: phoneOf(first + i),
            raw: phoneOf(first + i),
            label: null,
          })),
        )
        .execute();
    });
  }
  const contactsSeconds = (performance.now() - contactsStarted) / 1000;

  const callsStarted = performance.now();
  // A year of calls, a few seconds apart, newest last.
  const step = Math.floor((365 * 86_400_000) / rows);
  for (let first = 0; first < rows; first += BATCH) {
    const calls = Array.from({ length: Math.min(BATCH, rows - first) }, (_, i) => {
      const n = first + i;
      const missed = n % 5 === 0;
      const startedAt = new Date(start + n * step).toISOString();
      const endedAt = new Date(start + n * step + 60_000).toISOString();
      return {
        id: randomUUID(),
        connection_id: connectionId,
        external_id: `seed-${n}`,
        direction: 'in' as const,
        status: 'ended' as const,
        missed: missed ? (1 as const) : (0 as const),
        disposition: missed ? 'noanswer' : 'answered',
        client_number: phoneOf(n % rows),
        src_phone: phoneOf(n % rows),
        dst_phone: '74950000000',
        contact_id: null,
        owner_id: agents[n % agents.length] as string,
        started_at: startedAt,
        answered_at: missed ? null : startedAt,
        ended_at: endedAt,
        duration: missed ? null : 55,
        call_data: null,
        has_recording: 0 as const,
        origination_id: null,
        updated_at: endedAt,
      };
    });
    await store.db.transaction().execute(async (tx) => {
      await tx.insertInto('calls').values(calls).execute();
      await tx
        .insertInto('call_legs')
        .values(
          calls.map((call, i) => ({
            id: randomUUID(),
            call_id: call.id,
            extension: String(1000 + ((first + i) % agents.length)),
            user_id: call.owner_id,
            status: 'ended' as const,
            outcome: call.missed ? ('missed' as const) : ('answered' as const),
            rung_at: call.started_at,
            answered_at: call.answered_at,
            ended_at: call.ended_at,
          })),
        )
        .execute();
      await tx
        .insertInto('call_participants')
        .values(calls.map((call) => ({ user_id: call.owner_id, call_id: call.id, started_at: call.started_at })))
        .execute();
    });
  }
  const callsSeconds = (performance.now() - callsStarted) / 1000;
  return { contacts: rows / contactsSeconds, calls: rows / callsSeconds };
}

function phoneOf(n: number): string {
  return `+7916${String(n).padStart(7, '0')}`;
}

async function timeReads(store: Store, agents: string[], rows: number) {
  const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)] as T;
  const weekAgo = new Date(Date.parse('2026-12-25T00:00:00Z')).toISOString();
  const lookup = await timed(() => store.contacts.findByNumber(phoneOf(Math.floor(Math.random() * rows))));
  const firstPage = await timed(() => store.calls.list({ userId: pick(agents), limit: 50 }));
  const cursors: Array<{ userId: string; cursor: string }> = [];
  for (let n = 0; n < 50; n++) {
    const userId = pick(agents);
    const page = await store.calls.list({ userId, limit: 50 });
    if (page.nextCursor) cursors.push({ userId, cursor: page.nextCursor });
  }
  const nextPage = await timed(() => {
    const { userId, cursor } = pick(cursors);
    return store.calls.list({ userId, limit: 50, cursor });
  });
  const missed = await timed(() => store.calls.countMissed(pick(agents), weekAgo));
  return { lookup, firstPage, nextPage, missed };
}

async function timed(read: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  // The seeding's garbage is collected first, so its collection does not land among the reads (`npm run
  // bench` runs node with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  for (let n = 0; n < 20; n++) await read();
  const times: number[] = [];
  for (let n = 0; n < SAMPLES; n++) {
    const started = performance.now();
    await read();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(SAMPLES * 0.5)] as number, p99: times[Math.floor(SAMPLES * 0.99)] as number };
}

/** A fresh hub process; its RSS idle, then once 10,000 calls ring (the first notification of each). */
async function liveCallsRss(kind: DatabaseKind): Promise<{ idle: number; rss: number; live: number }> {
  const db = await createBenchDatabase(kind, 'live');
  try {
    const seeded = await seedHub(db.target, { agents: AGENTS, connections: 8 });
    const hub = await serveHub(db.target, join(db.dir, 'hub.log'));
    try {
      const idle = hub.rss();
      const ringing = ringingOnly(mangoTraffic({ ...seeded, mix: ['incoming-missed'] }));
      const result = await autocannon({
        url: hub.base,
        connections: 16,
        amount: LIVE_CALLS,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        requests: [
          {
            setupRequest: (request) => {
              const { path, body } = ringing();
              return { ...request, path, body };
            },
          },
        ],
      });
      const store = await openDatabase(db.target);
      let live;
      try {
        live = await store.calls.countLive();
      } finally {
        await store.close();
      }
      if (result.non2xx + result.errors > 0)
        throw new Error(`${result.non2xx + result.errors} ringing webhooks failed`);
      return { idle, rss: hub.rss(), live };
    } finally {
      await hub.stop();
    }
  } finally {
    await db.drop();
  }
}
