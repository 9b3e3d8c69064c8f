/**
 * 1. Ingestion: signed Mango notifications posted to the real hub and, in the same run and alternating
 * with it, to a bare `node:http` server that only parses the body. Flat out, then at a steady rate.
 */
import { join } from 'node:path';
import { createBenchDatabase, type DatabaseKind } from './databases.js';
import { seedHub, serveBare, serveHub, type ServedHub } from './hub-under-test.js';
import { postLoad, type LoadResult } from './load.js';
import { mangoTraffic } from './mango-traffic.js';
import { mean, ms, perSecond, table } from './report.js';

export interface IngestionOptions {
  /** Seconds per measurement. */
  seconds: number;
  /** Hub-bare pairs per comparison (A-B-A-B is 2). */
  rounds: number;
  /** The steady rate the latency target is set at. */
  rate: number;
}

const CONNECTIONS = 8;
const HTTP_CONNECTIONS = 16;

export async function ingestion(kind: DatabaseKind, options: IngestionOptions): Promise<string> {
  const db = await createBenchDatabase(kind, 'ingestion');
  let hub: ServedHub | undefined;
  let bare: ServedHub | undefined;
  try {
    const seeded = await seedHub(db.target, { agents: 50, connections: CONNECTIONS });
    hub = await serveHub(db.target, join(db.dir, 'hub.log'));
    bare = await serveBare();
    const traffic = mangoTraffic(seeded);
    const servers = { hub, bare };
    const run = (side: 'hub' | 'bare', seconds: number, rate?: number) =>
      postLoad({
        base: servers[side].base,
        next: traffic.next,
        connections: HTTP_CONNECTIONS,
        seconds,
        ...(rate ? { rate } : {}),
      });

    await run('hub', 3);
    await run('bare', 3);
    const flat = await alternate(options.rounds, (side) => run(side, options.seconds));
    const steady = await alternate(options.rounds, (side) => run(side, options.seconds, options.rate));
    const rss = hub.rss();

    return [
      `### ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
      '',
      `${CONNECTIONS} Mango connections, ${HTTP_CONNECTIONS} HTTP connections, ${options.seconds} s per measurement, ` +
        `hub and bare alternating (${'hub, bare, '.repeat(options.rounds).slice(0, -2)}); ` +
        `${perSecond(traffic.calls())} calls (${perSecond(flat.total + steady.total)} notifications) posted to the two sides. ` +
        `Hub RSS after: ${(rss / 2 ** 20).toFixed(0)} MB.`,
      '',
      table(
        ['load', 'side', 'requests/s (each run)', 'mean requests/s', 'p50', 'p99', 'failed'],
        [...rows('as fast as it answers', flat), ...rows(`steady ${perSecond(options.rate)}/s`, steady)],
      ),
      '',
      `**Ratio hub / bare, flat out: ${(flat.hub.rps / flat.bare.rps).toFixed(2)}** (target ≥ 0.7). ` +
        `**p99 at a steady ${perSecond(options.rate)}/s: ${ms(steady.hub.p99)}** (target < 10 ms; ` +
        `the hub answered ${perSecond(steady.hub.rps)}/s of the ${perSecond(options.rate)}/s offered).`,
    ].join('\n');
  } finally {
    await hub?.stop();
    await bare?.stop();
    await db.drop();
  }
}

interface Side {
  runs: LoadResult[];
  rps: number;
  p50: number;
  p99: number;
  failed: number;
}

interface Comparison {
  hub: Side;
  bare: Side;
  total: number;
}

/** Hub, bare, hub, bare, …: both sides see the same noise from the rest of the machine. */
async function alternate(rounds: number, measure: (side: 'hub' | 'bare') => Promise<LoadResult>): Promise<Comparison> {
  const runs: Record<'hub' | 'bare', LoadResult[]> = { hub: [], bare: [] };
  for (let n = 0; n < rounds; n++) {
    runs.hub.push(await measure('hub'));
    runs.bare.push(await measure('bare'));
  }
  const side = (list: LoadResult[]): Side => ({
    runs: list,
    rps: mean(list.map((r) => r.requestsPerSecond)),
    p50: mean(list.map((r) => r.p50)),
    p99: Math.max(...list.map((r) => r.p99)),
    failed: list.reduce((sum, r) => sum + r.failed, 0),
  });
  const all = [...runs.hub, ...runs.bare];
  return { hub: side(runs.hub), bare: side(runs.bare), total: all.reduce((sum, r) => sum + r.total, 0) };
}

function rows(load: string, comparison: Comparison): Array<Array<string | number>> {
  return (['hub', 'bare'] as const).map((name) => {
    const side = comparison[name];
    return [
      load,
      name,
      side.runs.map((r) => perSecond(r.requestsPerSecond)).join(', '),
      perSecond(side.rps),
      ms(side.p50),
      ms(side.p99),
      side.failed,
    ];
  });
}
