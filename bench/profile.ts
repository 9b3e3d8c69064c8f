/**
 * 4. The webhook path under `node --cpu-prof`: the hub on SQLite takes notifications flat out for a while,
 * then the profile's functions with the most self time are listed (the .cpuprofile is kept for a viewer).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBenchDatabase } from './databases.js';
import { seedHub, serveHub } from './hub-under-test.js';
import { postLoad } from './load.js';
import { mangoTraffic } from './mango-traffic.js';
import { perSecond, table } from './report.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface ProfileResult {
  requestsPerSecond: number;
  profile: string;
  top: Array<{ name: string; where: string; share: number }>;
}

export async function profileWebhooks(seconds: number, keepIn: string): Promise<ProfileResult> {
  const db = await createBenchDatabase('sqlite', 'profile');
  try {
    const seeded = await seedHub(db.target, { agents: 50, connections: 8 });
    const hub = await serveHub(db.target, join(db.dir, 'hub.log'), [`--cpu-prof`, `--cpu-prof-dir=${keepIn}`]);
    const traffic = mangoTraffic(seeded);
    const before = new Set(readdirSync(keepIn));
    let load;
    try {
      load = await postLoad({ base: hub.base, next: traffic.next, connections: 16, seconds });
    } finally {
      await hub.stop();
    }
    const file = readdirSync(keepIn).find((name) => name.endsWith('.cpuprofile') && !before.has(name));
    if (!file) throw new Error(`node wrote no profile to ${keepIn}`);
    const profile = join(keepIn, file);
    return { requestsPerSecond: load.requestsPerSecond, profile, top: topSelfTime(profile, 15) };
  } finally {
    await db.drop();
  }
}

/** Self time by function, as shares of all samples. */
function topSelfTime(file: string, count: number): ProfileResult['top'] {
  const { nodes } = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const byFunction = new Map<string, { name: string; where: string; hits: number }>();
  let all = 0;
  for (const node of nodes) {
    const hits = node.hitCount ?? 0;
    all += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = byFunction.get(key) ?? { name: functionName || '(anonymous)', where, hits: 0 };
    entry.hits += hits;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, count)
    .map(({ name, where, hits }) => ({ name, where, share: hits / all }));
}

export function profileTable(result: ProfileResult): string {
  return [
    `${perSecond(result.requestsPerSecond)} requests/s while profiling (the profiler slows it).`,
    '',
    table(
      ['self time', 'function', 'where'],
      result.top.map((t) => [`${(t.share * 100).toFixed(1)} %`, `\`${t.name}\``, `\`${t.where}\``]),
    ),
  ].join('\n');
}
