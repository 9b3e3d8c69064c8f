/** A fresh database per benchmark: a SQLite file in a temporary folder, or a PostgreSQL database dropped after. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type DatabaseKind = 'sqlite' | 'postgres';

export const PG_URL = process.env.SWITCHBOARD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  kind: DatabaseKind;
  /** What `--db` takes. */
  target: string;
  /** A folder for logs and profiles, removed by `drop`. */
  dir: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(kind: DatabaseKind, name: string): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), `switchboard-bench-${name}-`));
  if (kind === 'sqlite') {
    return { kind, target: join(dir, 'bench.sqlite'), dir, drop: async () => rmSync(dir, { recursive: true }) };
  }
  const database = `sb_bench_${name.replace(/\W/g, '_')}_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`drop database if exists ${database}`);
  await admin(`create database ${database}`);
  const url = new URL(PG_URL);
  url.pathname = `/${database}`;
  return {
    kind,
    target: url.toString(),
    dir,
    async drop() {
      await admin(`drop database if exists ${database} with (force)`);
      rmSync(dir, { recursive: true });
    },
  };
}
