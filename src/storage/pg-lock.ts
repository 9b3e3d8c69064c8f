/**
 * A lock shared by every process on one PostgreSQL database (a session advisory lock), so hub
 * instances handle one connection's webhooks one at a time, as a single instance does.
 */
import pg from 'pg';

export interface SharedLock {
  /** Runs `work` while holding the lock named `key`; waits while another process holds it. */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /**
   * Takes the lock named `key` without waiting, on a connection of its own that keeps it until
   * `release` (or until that connection is lost: `lost` resolves, and another process may take it).
   * Undefined when another process holds it.
   */
  tryHold(key: string): Promise<HeldLock | undefined>;
  close(): Promise<void>;
}

export interface HeldLock {
  /** Resolves when the lock's connection was lost: the lock is gone. */
  lost: Promise<void>;
  release(): Promise<void>;
}

/**
 * Locks live on a pool of their own: a holder waits on its lock connection while its work queries
 * through the store's pool, so lock holders can never starve the queries they wait for.
 * A process that dies loses its session, and with it the lock.
 */
export function openPgLock(url: string, max = 20): SharedLock {
  let pool: pg.Pool | undefined;
  const held = new Set<pg.Client>();
  return {
    async run(key, work) {
      if (!pool) {
        pool = new pg.Pool({ connectionString: url, max });
        // An idle lock connection lost with the server must not crash the process; the pool replaces it.
        pool.on('error', () => undefined);
      }
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [key]);
        try {
          return await work();
        } finally {
          await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => {
            broken = true;
          });
        }
      } finally {
        // A connection whose unlock failed may still hold the lock: drop it rather than reuse it.
        client.release(broken);
      }
    },
    async tryHold(key) {
      const client = new pg.Client({ connectionString: url });
      let markLost = () => {};
      const lost = new Promise<void>((resolve) => (markLost = resolve));
      client.on('error', () => markLost());
      client.on('end', () => markLost());
      await client.connect();
      try {
        const { rows } = await client.query<{ held: boolean }>(
          'select pg_try_advisory_lock(hashtextextended($1, 0)) as held',
          [key],
        );
        if (rows[0]?.held !== true) {
          await client.end();
          return undefined;
        }
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      held.add(client);
      return {
        lost,
        async release() {
          held.delete(client);
          // Ending the session frees its advisory locks.
          await client.end().catch(() => undefined);
        },
      };
    },
    async close() {
      for (const client of held) await client.end().catch(() => undefined);
      held.clear();
      await pool?.end();
      pool = undefined;
    },
  };
}
