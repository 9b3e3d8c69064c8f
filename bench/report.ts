/**
 * BENCHMARKS.md: the machine and command of the last run, and one section per benchmark between
 * markers, so `npm run bench -- ingestion` replaces only its own section. Text outside the markers
 * (the profile notes, the analysis) is written by hand and kept.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const BENCHMARKS_FILE = new URL('../BENCHMARKS.md', import.meta.url).pathname;

/** When, where and how: the lines every section starts with. */
export function runContext(command: string): string {
  const cores = cpus();
  const [one, five] = loadavg();
  return [
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · \`${command}\``,
    `Machine: ${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
      `Node ${process.version}, load average ${one?.toFixed(1)} / ${five?.toFixed(1)} (1 / 5 min) at the start`,
  ].join('  \n');
}

export function writeSection(name: string, markdown: string): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(BENCHMARKS_FILE) ? readFileSync(BENCHMARKS_FILE, 'utf8') : '# Benchmarks\n';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + block + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(BENCHMARKS_FILE, next);
}

/** A Markdown table. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
export const perSecond = (value: number) => Math.round(value).toLocaleString('en-US');
export const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(values.length, 1);
