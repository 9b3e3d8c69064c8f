/**
 * 2. Popup latency: 500 agents with their live-event streams open; incoming calls ring them one after
 * another at a steady webhook rate, every webhook a ringing leg. Each is timed from its send to the
 * `call.ringing` event on its agent's stream; every event is checked to reach only the agent rung.
 */
import { join } from 'node:path';
import { createBenchDatabase, type DatabaseKind } from './databases.js';
import { seedHub, serveHub, type ServedHub } from './hub-under-test.js';
import { mangoTraffic, ringingOnly } from './mango-traffic.js';
import { sendPaced } from './paced-sender.js';
import { ms, perSecond, table } from './report.js';
import { openAgentStreams } from './sse-clients.js';

const AGENTS = 500;
const CONNECTIONS = 8;
const IN_FLIGHT = 64;
/** After the last answer, how long an event may still take to arrive before it counts as lost. */
const DRAIN_MS = 30_000;

export async function popupLatency(kind: DatabaseKind, rates: number[], seconds: number): Promise<string> {
  const db = await createBenchDatabase(kind, 'popup');
  let hub: ServedHub | undefined;
  try {
    const seeded = await seedHub(db.target, { agents: AGENTS, connections: CONNECTIONS });
    hub = await serveHub(db.target, join(db.dir, 'hub.log'));
    const tokens = new Map([...seeded.agents].map(([extension, agent]) => [extension, agent.token]));
    const streams = await openAgentStreams(hub.base, tokens);
    const rows: Array<Array<string | number>> = [];
    const verdicts: string[] = [];
    // Which agent each call rings, and when its ringing notification left; kept over the rates, as
    // a late event of an earlier rate is still checked against its own call.
    const rung = new Map<string, { extension: string; sentAt: number; round: number }>();
    try {
      for (const [n, rate] of rates.entries()) {
        const traffic = mangoTraffic({ ...seeded, mix: ['incoming-missed'], startAt: 1_700_000_000 + n * 100_000 });
        const rungBefore = rung.size;
        const firstEvent = streams.events.length;
        const paced = await sendPaced({
          base: hub.base,
          next: ringingOnly(traffic),
          rate,
          seconds,
          inFlight: IN_FLIGHT,
          onSend: (notification, at) => {
            if (notification.rings)
              rung.set(notification.entryId, { extension: notification.rings, sentAt: at, round: n });
          },
        });
        const rungNow = rung.size - rungBefore;
        await waitForRinging(streams.events, firstEvent, rungNow, DRAIN_MS);
        const events = streams.events.slice(firstEvent);
        const latencies: number[] = [];
        let wrong = 0;
        const ringing = new Set<string>();
        for (const event of events) {
          const entryId = event.data.call?.externalId ?? '';
          const call = rung.get(entryId);
          if (!call || call.extension !== event.stream) {
            wrong++;
            continue;
          }
          if (event.type === 'call.ringing' && call.round === n && !ringing.has(entryId)) {
            ringing.add(entryId);
            latencies.push(event.at - call.sentAt);
          }
        }
        const lost = rungNow - ringing.size;
        latencies.sort((a, b) => a - b);
        const p99 = percentile(latencies, 0.99);
        rows.push([
          `${perSecond(rate)}/s`,
          `${perSecond(paced.rate)}/s`,
          paced.skipped,
          rungNow,
          ms(percentile(latencies, 0.5)),
          ms(p99),
          ms(latencies.at(-1) ?? 0),
          wrong,
          lost,
          paced.failed,
        ]);
        verdicts.push(
          `at ${perSecond(rate)}/s offered: p99 ${ms(p99)} (target < 25 ms), ${wrong} to a wrong agent, ${lost} lost`,
        );
      }
    } finally {
      streams.close();
    }
    return [
      `### ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
      '',
      `${AGENTS} agents, each with a live-event stream open (API tokens), bound on ${CONNECTIONS} Mango connections; ` +
        `every webhook the first leg of a new incoming call, ringing the agents in turn (a call's later ` +
        `notifications are left out: sent concurrently they could overtake its ringing one); ` +
        `${seconds} s per rate, at most ${IN_FLIGHT} webhooks unanswered (a send that finds them all busy is skipped). ` +
        `Latency: from writing the ringing notification to the \`call.ringing\` event arriving on the agent's stream, ` +
        `both timed in the load generator's process.`,
      '',
      table(
        [
          'offered',
          'sent',
          'skipped',
          'calls rung',
          'p50',
          'p99',
          'max',
          'to a wrong agent',
          'lost',
          'webhooks failed',
        ],
        rows,
      ),
      '',
      `**${verdicts.join('; ')}.**`,
    ].join('\n');
  } finally {
    await hub?.stop();
    await db.drop();
  }
}

async function waitForRinging(
  events: Array<{ type: string }>,
  from: number,
  expected: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const count = () => events.slice(from).filter((event) => event.type === 'call.ringing').length;
  while (count() < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}
