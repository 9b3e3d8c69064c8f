/**
 * `npm run bench [-- <name>…]`: runs the named benchmarks (all when none is named) and writes each
 * one's section of BENCHMARKS.md. Never part of `npm test`: it takes minutes and measures the machine.
 */
import { mkdirSync } from 'node:fs';
import { ingestion } from './ingestion.js';
import { popupLatency } from './popup.js';
import { profileTable, profileWebhooks } from './profile.js';
import { scale } from './scale.js';
import { sizing } from './sizing.js';
import { runContext, writeSection } from './report.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** Webhooks per second offered: the issue's 500 and 2,000, and 100, which the hub keeps up with. */
const POPUP_RATES = [100, 500, 2000];
/** Calls and contacts the scale benchmark seeds. */
const SCALE_ROWS = Number(process.env.BENCH_SCALE_ROWS ?? 1_000_000);

const BENCHMARKS: Record<string, () => Promise<string>> = {
  async ingestion() {
    const options = { seconds: SECONDS, rounds: ROUNDS, rate: 2000 };
    return ['## 1. Ingestion', '', await ingestion('sqlite', options), '', await ingestion('postgres', options)].join(
      '\n',
    );
  },
  async popup() {
    return [
      '## 2. Popup latency',
      '',
      await popupLatency('sqlite', POPUP_RATES, SECONDS),
      '',
      await popupLatency('postgres', POPUP_RATES, SECONDS),
    ].join('\n');
  },
  async scale() {
    return ['## 3. Scale', '', await scale('sqlite', SCALE_ROWS), '', await scale('postgres', SCALE_ROWS)].join('\n');
  },
  sizing: () => sizing({ seconds: SECONDS, rounds: ROUNDS, connections: [1, 8] }),
  async profile() {
    const dir = new URL('../data/bench-profiles', import.meta.url).pathname;
    mkdirSync(dir, { recursive: true });
    const result = await profileWebhooks(SECONDS, dir);
    return [
      '## 4. Profile of the webhook path (now)',
      '',
      'The hub on SQLite under `node --cpu-prof`, notifications flat out; self time by function over the ' +
        `whole process (start-up included). Profile kept at \`data/bench-profiles/\` (open it in Chrome's DevTools).`,
      '',
      profileTable(result),
    ].join('\n');
  },
};

async function main(names: string[]): Promise<void> {
  const unknown = names.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    throw new Error(`No benchmark ${unknown.join(', ')}; there are: ${Object.keys(BENCHMARKS).join(', ')}`);
  }
  for (const name of names.length > 0 ? names : Object.keys(BENCHMARKS)) {
    const command = `npm run bench -- ${name}`;
    process.stdout.write(`${name}: running (${command})\n`);
    const context = runContext(command);
    const body = await (BENCHMARKS[name] as () => Promise<string>)();
    writeSection(name, `${body.replace(/\n/, `\n\n${context}\n`)}`);
    process.stdout.write(`${name}: written to BENCHMARKS.md\n`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
