import { describe, expect, it } from 'vitest';
import { ModuleLatency } from '../runtime/module-latency.js';
import { Counters } from './metrics.js';
import { renderMetrics } from './prometheus.js';

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('renderMetrics', () => {
  it('prints the counters by connection, with the unlabelled refused counter at 0 before any request', () => {
    const empty = renderMetrics({ counters: new Counters(), connectionIds: [], calls: [], latency: [] });
    expect(lines(empty)).toEqual(['switchboard_webhooks_refused_total 0']);
    expect(empty).toContain('# TYPE switchboard_webhooks_received_total counter');

    const counters = new Counters();
    counters.inc('webhooks_received', { connection: 'a' });
    counters.inc('webhooks_received', { connection: 'a' });
    counters.inc('webhooks_failed', { connection: 'b' });
    counters.inc('webhooks_refused');
    const text = renderMetrics({ counters, connectionIds: [], calls: [], latency: [] });
    expect(lines(text)).toEqual([
      'switchboard_webhooks_received_total{connection="a"} 2',
      'switchboard_webhooks_refused_total 1',
      'switchboard_webhooks_failed_total{connection="b"} 1',
    ]);
  });

  it('prints every status of every connection, zero included', () => {
    const text = renderMetrics({
      counters: new Counters(),
      connectionIds: ['a'],
      calls: [
        { connection_id: 'a', status: 'ended', count: 7 },
        { connection_id: 'gone', status: 'ringing', count: 1 },
      ],
      latency: [],
    });
    expect(lines(text).filter((line) => line.startsWith('switchboard_calls'))).toEqual([
      'switchboard_calls{connection="a",status="ringing"} 0',
      'switchboard_calls{connection="a",status="talking"} 0',
      'switchboard_calls{connection="a",status="ended"} 7',
      'switchboard_calls{connection="gone",status="ringing"} 1',
      'switchboard_calls{connection="gone",status="talking"} 0',
      'switchboard_calls{connection="gone",status="ended"} 0',
    ]);
  });

  it('prints module latency as a cumulative histogram in seconds', () => {
    const latency = new ModuleLatency();
    latency.observe('a', 'VoipGetMembers', 7, true);
    latency.observe('a', 'VoipGetMembers', 300, false);
    latency.observe('a', 'VoipGetMembers', 20_000, false);
    const text = renderMetrics({ counters: new Counters(), connectionIds: [], calls: [], latency: latency.snapshot() });
    const histogram = lines(text).filter((line) => line.startsWith('switchboard_module_call'));
    const labels = 'connection="a",function="VoipGetMembers"';
    expect(histogram).toEqual([
      `switchboard_module_call_duration_seconds_bucket{${labels},le="0.005"} 0`,
      `switchboard_module_call_duration_seconds_bucket{${labels},le="0.01"} 1`,
      `switchboard_module_call_duration_seconds_bucket{${labels},le="0.025"} 1`,
      `switchboard_module_call_duration_seconds_bucket{${labels},le="0.05"} 1`,
      `switchboard_module_call_duration_seconds_bucket{${labels},le="0.1"} 1`,
      `switchboard_module_call_duration_seconds_bucket{${labels},le="0.25"} 1`,
      `switchboard_module_call_duration_seconds_bucket{${labels},le="0.5"} 2`,
      `switchboard_module_call_duration_seconds_bucket{${labels},le="1"} 2`,
      `switchboard_module_call_duration_seconds_bucket{${labels},le="2.5"} 2`,
      `switchboard_module_call_duration_seconds_bucket{${labels},le="5"} 2`,
      `switchboard_module_call_duration_seconds_bucket{${labels},le="10"} 2`,
      `switchboard_module_call_duration_seconds_bucket{${labels},le="+Inf"} 3`,
      `switchboard_module_call_duration_seconds_sum{${labels}} 20.307`,
      `switchboard_module_call_duration_seconds_count{${labels}} 3`,
      `switchboard_module_call_failures_total{${labels}} 2`,
    ]);
    expect(text).toContain('# TYPE switchboard_module_call_duration_seconds histogram');
  });

  it('escapes label values', () => {
    const counters = new Counters();
    counters.inc('webhooks_received', { connection: 'a"b\\c\nd' });
    const text = renderMetrics({ counters, connectionIds: [], calls: [], latency: [] });
    expect(text).toContain('switchboard_webhooks_received_total{connection="a\\"b\\\\c\\nd"} 1');
  });
});
