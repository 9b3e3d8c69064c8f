/**
 * `npm run bench [-- <name>…]`: runs the named benchmarks (all when none is named) and writes each
 * one's section of BENCHMARKS.md. Never part of `npm test`: it takes minutes and measures the machine.
 */
import { ingestion } from './ingestion.js';
import { runContext, writeSection } from './report.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const BENCHMARKS: Record<string, () => Promise<string>> = {
  async ingestion() {
    const options = { seconds: SECONDS, rounds: ROUNDS, rate: 2000 };
    return ['## 1. Ingestion', '', await ingestion('sqlite', options), '', await ingestion('postgres', options)].join(
      '\n',
    );
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
