/** The load generator: autocannon as a library, posting a stream of signed notifications. */
import autocannon from 'autocannon';
import type { SignedNotification } from './mango-traffic.js';

export interface LoadOptions {
  base: string;
  next: () => SignedNotification;
  /** Concurrent HTTP connections. */
  connections: number;
  seconds: number;
  /** Requests per second over all connections; unset: as fast as the server answers. */
  rate?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Milliseconds from sending a request to its answer. */
  p50: number;
  p99: number;
  total: number;
  /** Answers other than 2xx, and connection errors and timeouts. */
  failed: number;
}

export async function postLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.base,
    connections: options.connections,
    duration: options.seconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    requests: [
      {
        setupRequest: (request) => {
          const { path, body } = options.next();
          return { ...request, path, body };
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.total / options.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}
