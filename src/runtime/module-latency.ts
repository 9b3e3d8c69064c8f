/**
 * Latency of module calls per connection and function, kept in memory for the /metrics endpoint.
 * Buckets are cumulative like a Prometheus histogram, so the endpoint can print them as they are.
 */
import type { ConnectorFunctionName } from '../contract/index.js';

/** Called by the module runner after every call; `ok` is false when the call failed or timed out. */
export type LatencyObserver = (connectionId: string, fn: ConnectorFunctionName, ms: number, ok: boolean) => void;

/** Upper bounds in milliseconds; the default module timeout (10 s) is the last finite one. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

export interface LatencyStats {
  connectionId: string;
  fn: ConnectorFunctionName;
  count: number;
  failures: number;
  totalMs: number;
  maxMs: number;
  /** `counts[i]` calls took at most `LATENCY_BUCKETS_MS[i]` ms; calls above the last bound are only in `count`. */
  counts: number[];
}

/**
 * @example
 * const latency = new ModuleLatency();
 * new ModuleRunner({ ...options, observe: latency.observe });
 * latency.snapshot(); // [{ connectionId, fn: 'VoipGetMembers', count: 1, ... }]
 */
export class ModuleLatency {
  readonly #stats = new Map<string, LatencyStats>();

  readonly observe: LatencyObserver = (connectionId, fn, ms, ok) => {
    const key = `${connectionId}\u0000${fn}`;
    let stats = this.#stats.get(key);
    if (!stats) {
      stats = {
        connectionId,
        fn,
        count: 0,
        failures: 0,
        totalMs: 0,
        maxMs: 0,
        counts: LATENCY_BUCKETS_MS.map(() => 0),
      };
      this.#stats.set(key, stats);
    }
    stats.count++;
    if (!ok) stats.failures++;
    stats.totalMs += ms;
    stats.maxMs = Math.max(stats.maxMs, ms);
    LATENCY_BUCKETS_MS.forEach((bound, i) => {
      if (ms <= bound) stats.counts[i] = (stats.counts[i] ?? 0) + 1;
    });
  };

  /** A copy of the current figures, sorted by connection and function. */
  snapshot(): LatencyStats[] {
    return [...this.#stats.values()]
      .map((stats) => ({ ...stats, counts: [...stats.counts] }))
      .sort((a, b) => a.connectionId.localeCompare(b.connectionId) || a.fn.localeCompare(b.fn));
  }

  /** Drops a deleted connection's figures. */
  forget(connectionId: string): void {
    for (const [key, stats] of this.#stats) if (stats.connectionId === connectionId) this.#stats.delete(key);
  }
}
