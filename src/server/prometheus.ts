/**
 * The /metrics text in the Prometheus exposition format: webhook counters by connection, calls by
 * status, and module call latency as a histogram in seconds (Prometheus' base unit).
 */
import type { CallCount, CallStatus, EventSourceState } from '../storage/index.js';
import { LATENCY_BUCKETS_MS, type LatencyStats } from '../runtime/module-latency.js';
import type { CounterName, Counters } from './metrics.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsInput {
  counters: Counters;
  /** Every connection gets a line per status, zero included, so a gauge drops to 0 rather than vanishing. */
  connectionIds: readonly string[];
  calls: readonly CallCount[];
  latency: readonly LatencyStats[];
  /** The states of the connections' event sources (PBX connections the hub keeps open). */
  eventSources?: readonly EventSourceState[];
}

type Labels = Record<string, string>;
interface Sample {
  suffix?: string;
  labels: Labels;
  value: number;
}

const COUNTERS: ReadonlyArray<{ name: CounterName; help: string }> = [
  { name: 'webhooks_received', help: 'Webhook requests that reached a known, enabled connection.' },
  { name: 'webhooks_refused', help: 'Webhook requests for an unknown or disabled connection or with a wrong token.' },
  { name: 'webhooks_rejected', help: 'Webhooks the module answered with a 4xx (bad signature, unknown format).' },
  { name: 'webhooks_failed', help: 'Webhooks whose handling failed (module error or timeout): answered 500.' },
];

const CALL_STATUSES: readonly CallStatus[] = ['ringing', 'talking', 'ended'];

export function renderMetrics(input: MetricsInput): string {
  const lines: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: Sample[]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const sample of samples) {
      lines.push(`${name}${sample.suffix ?? ''}${formatLabels(sample.labels)} ${formatNumber(sample.value)}`);
    }
  };

  const entries = input.counters.entries();
  for (const { name, help } of COUNTERS) {
    const samples = entries.filter((entry) => entry.name === name).map(({ labels, value }) => ({ labels, value }));
    // A counter without labels should always be present, at 0 before anything happened.
    if (name === 'webhooks_refused' && samples.length === 0) samples.push({ labels: {}, value: 0 });
    family(`switchboard_${name}_total`, 'counter', help, samples);
  }

  const connectionIds = [...new Set([...input.connectionIds, ...input.calls.map((row) => row.connection_id)])];
  family(
    'switchboard_calls',
    'gauge',
    'Calls stored, by connection and status.',
    connectionIds.flatMap((connection) =>
      CALL_STATUSES.map((status) => ({
        labels: { connection, status },
        value: input.calls.find((row) => row.connection_id === connection && row.status === status)?.count ?? 0,
      })),
    ),
  );

  family(
    'switchboard_module_call_duration_seconds',
    'histogram',
    'How long calls into connector modules took, by connection and contract function.',
    input.latency.flatMap((stats) => {
      const labels = { connection: stats.connectionId, function: stats.fn };
      return [
        ...LATENCY_BUCKETS_MS.map((bound, i) => ({
          suffix: '_bucket',
          labels: { ...labels, le: formatNumber(bound / 1000) },
          value: stats.counts[i] ?? 0,
        })),
        { suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: stats.count },
        { suffix: '_sum', labels, value: stats.totalMs / 1000 },
        { suffix: '_count', labels, value: stats.count },
      ];
    }),
  );
  family(
    'switchboard_module_call_failures_total',
    'counter',
    'Calls into connector modules that threw, timed out or returned a result of the wrong shape.',
    input.latency.map((stats) => ({
      labels: { connection: stats.connectionId, function: stats.fn },
      value: stats.failures,
    })),
  );
  const sources = input.eventSources ?? [];
  family(
    'switchboard_event_source_connected',
    'gauge',
    'Whether the hub is connected to the PBX of a connection that streams events (Asterisk AMI/ARI).',
    sources.map((state) => ({
      labels: { connection: state.connection_id },
      value: state.status === 'connected' ? 1 : 0,
    })),
  );
  family(
    'switchboard_event_source_reconnects_total',
    'counter',
    'Times the hub connected again to such a PBX after a session ended.',
    sources.map((state) => ({ labels: { connection: state.connection_id }, value: state.reconnects })),
  );
  family(
    'switchboard_event_source_last_gap_seconds',
    'gauge',
    'How long the latest outage between two sessions lasted: events in it were missed.',
    sources.map((state) => ({
      labels: { connection: state.connection_id },
      value:
        state.gap_from && state.gap_to
          ? Math.max(0, (Date.parse(state.gap_to) - Date.parse(state.gap_from)) / 1000)
          : 0,
    })),
  );
  return `${lines.join('\n')}\n`;
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
}
