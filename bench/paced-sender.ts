/**
 * Posts notifications at a steady rate, timing each one from the moment it is sent. At most
 * `inFlight` requests wait for answers; a tick that finds them all busy skips its sends, so a hub
 * that falls behind shows as a lower rate taken, not as an ever-growing queue in the load generator.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { SignedNotification } from './mango-traffic.js';

export interface PacedResult {
  sent: number;
  /** Sends skipped because `inFlight` requests were still unanswered. */
  skipped: number;
  failed: number;
  /** Sent per second over the run. */
  rate: number;
}

const TICK_MS = 10;

export async function sendPaced(options: {
  base: string;
  next: () => SignedNotification;
  rate: number;
  seconds: number;
  inFlight: number;
  /** Called as each notification is written, with its send time (performance.now()). */
  onSend?: (notification: SignedNotification, at: number) => void;
}): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.inFlight });
  const { hostname, port } = new URL(options.base);
  let sent = 0;
  let skipped = 0;
  let failed = 0;
  let busy = 0;
  const answered = new Set<Promise<void>>();

  const post = (notification: SignedNotification) => {
    busy++;
    const done = new Promise<void>((resolve) => {
      const req = request(
        {
          agent,
          hostname,
          port,
          method: 'POST',
          path: notification.path,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(notification.body),
          },
        },
        (response) => {
          if (response.statusCode !== 200) failed++;
          response.resume();
          response.on('end', resolve);
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(notification.body);
      options.onSend?.(notification, performance.now());
    }).finally(() => {
      busy--;
      answered.delete(done);
    });
    answered.add(done);
  };

  const started = performance.now();
  // Due by the clock, not by ticks: a late timer on a loaded machine sends more, not fewer.
  for (let elapsed = 0; elapsed < options.seconds * 1000; elapsed = performance.now() - started) {
    const due = Math.floor((options.rate * elapsed) / 1000);
    while (sent + skipped < due) {
      if (busy >= options.inFlight) skipped++;
      else {
        post(options.next());
        sent++;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(answered);
  agent.destroy();
  return { sent, skipped, failed, rate: sent / elapsed };
}
