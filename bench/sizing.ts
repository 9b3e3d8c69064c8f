/**
 * Sizing: ingestion flat out with one and with two hub instances on one PostgreSQL, alternating. With
 * two, the load generator splits its HTTP connections between them as a round-robin proxy would, over
 * the same Mango connections, so the instances contend for each connection's webhook lock as they do
 * behind a real proxy.
 */
import { join } from 'node:path';
import { createBenchDatabase } from './databases.js';
import { seedHub, serveHub, type ServedHub } from './hub-under-test.js';
import { postLoad } from './load.js';
import { mangoTraffic } from './mango-traffic.js';
import { mean, ms, perSecond, table } from './report.js';

const HTTP_CONNECTIONS = 16;

export async function sizing(options: { seconds: number; rounds: number; connections: number[] }): Promise<string> {
  const db = await createBenchDatabase('postgres', 'sizing');
  const hubs: ServedHub[] = [];
  try {
    const most = Math.max(...options.connections);
    const seeded = await seedHub(db.target, { agents: 50, connections: most });
    for (const n of [1, 2]) hubs.push(await serveHub(db.target, join(db.dir, `hub-${n}.log`)));
    const rows: Array<Array<string | number>> = [];
    for (const connections of options.connections) {
      const traffic = mangoTraffic({ ...seeded, hooks: seeded.hooks.slice(0, connections) });
      const measure = async (instances: 1 | 2) => {
        const results = await Promise.all(
          hubs.slice(0, instances).map((hub) =>
            postLoad({
              base: hub.base,
              next: traffic.next,
              connections: HTTP_CONNECTIONS / instances,
              seconds: options.seconds,
            }),
          ),
        );
        return {
          rps: results.reduce((sum, r) => sum + r.requestsPerSecond, 0),
          p99: Math.max(...results.map((r) => r.p99)),
          failed: results.reduce((sum, r) => sum + r.failed, 0),
        };
      };
      await measure(2);
      const runs: Record<1 | 2, Array<{ rps: number; p99: number; failed: number }>> = { 1: [], 2: [] };
      for (let n = 0; n < options.rounds; n++) {
        runs[1].push(await measure(1));
        runs[2].push(await measure(2));
      }
      const one = mean(runs[1].map((r) => r.rps));
      const two = mean(runs[2].map((r) => r.rps));
      for (const instances of [1, 2] as const) {
        const list = runs[instances];
        rows.push([
          connections,
          instances,
          list.map((r) => perSecond(r.rps)).join(', '),
          perSecond(instances === 1 ? one : two),
          ms(Math.max(...list.map((r) => r.p99))),
          list.reduce((sum, r) => sum + r.failed, 0),
          instances === 1 ? '' : `${(two / one).toFixed(2)}×`,
        ]);
      }
    }
    return [
      '## Sizing: one and two hub instances on one PostgreSQL',
      '',
      `Flat out, ${HTTP_CONNECTIONS} HTTP connections in all (split evenly over the instances), ` +
        `${options.seconds} s per measurement, one and two instances alternating. Everything — the load ` +
        `generator, both hubs, PostgreSQL — shares this machine's cores.`,
      '',
      table(
        ['Mango connections', 'instances', 'requests/s (each run)', 'mean', 'p99 (worst run)', 'failed', 'two / one'],
        rows,
      ),
    ].join('\n');
  } finally {
    for (const hub of hubs) await hub.stop();
    await db.drop();
  }
}
