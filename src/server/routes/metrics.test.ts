import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../testing/databases.js';
import { createTestApp, type TestApp } from '../../testing/test-app.js';
import { buildApp } from '../app.js';
import { Counters } from '../metrics.js';

describeEachDatabase('GET /metrics', (getStore) => {
  let test: TestApp;
  afterEach(async () => test?.app.close());

  it('is for admins unless opened: 401 without a user, 403 for an agent', async () => {
    test = await createTestApp(getStore());
    const anonymous = await test.app.inject({ method: 'GET', url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const agent = await test.app.inject({ method: 'GET', url: '/metrics', headers: await test.auth(test.anna) });
    expect(agent.statusCode).toBe(403);
  });

  it('is open to anyone with SWITCHBOARD_METRICS_PUBLIC', async () => {
    test = await createTestApp(getStore());
    const open = await buildApp({
      hub: test.hub,
      logger: pino({ level: 'silent' }),
      counters: new Counters(),
      metricsPublic: true,
    });
    try {
      const response = await open.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('switchboard_webhooks_refused_total 0');
    } finally {
      await open.close();
    }
  });

  it('counts webhooks by connection and outcome, calls by status and module latency', async () => {
    test = await createTestApp(getStore());
    const id = test.connection.id;
    const hook = `/hooks/${id}/${test.connection.webhook_token}`;
    const body = JSON.stringify({ type: 'start', direction: 'in', from: '+74951234567', to: '101', callId: 'm1' });
    const signed = test.request(JSON.parse(body));
    await test.app.inject({ method: 'POST', url: hook, payload: body, headers: signed.headers as never });
    // Unsigned, and not byte-identical to the first (a retry would be answered as before).
    const unsigned = body.replace('m1', 'm2');
    await test.app.inject({
      method: 'POST',
      url: hook,
      payload: unsigned,
      headers: { 'content-type': 'application/json' },
    });
    await test.app.inject({ method: 'POST', url: `/hooks/${id}/wrong`, payload: body });

    const response = await test.app.inject({ method: 'GET', url: '/metrics', headers: await test.auth(test.admin) });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = response.body;
    expect(text).toContain(`switchboard_webhooks_received_total{connection="${id}"} 2`);
    expect(text).toContain(`switchboard_webhooks_rejected_total{connection="${id}"} 1`);
    expect(text).toContain('switchboard_webhooks_refused_total 1');
    expect(text).toContain(`switchboard_calls{connection="${id}",status="ringing"} 1`);
    expect(text).toContain(`switchboard_calls{connection="${id}",status="ended"} 0`);
    const parsed = `connection="${id}",function="VoipParseWebhookRequest"`;
    expect(text).toContain(`switchboard_module_call_duration_seconds_bucket{${parsed},le="+Inf"} 2`);
    expect(text).toContain(`switchboard_module_call_duration_seconds_count{${parsed}} 2`);
    expect(text).toContain(`switchboard_module_call_failures_total{${parsed}} 0`);
  });

  it('counts live calls on every scrape and the ended ones again after a minute', async () => {
    let now = Date.parse('2026-05-01T10:00:00Z');
    test = await createTestApp(getStore(), { now: () => new Date(now) });
    const id = test.connection.id;
    const scrape = async () =>
      (await test.app.inject({ method: 'GET', url: '/metrics', headers: await test.auth(test.admin) })).body;
    const line = (status: string) => `switchboard_calls{connection="${id}",status="${status}"}`;
    const call = { direction: 'in', from: '+74951234567', to: '101', callId: 'm3' };
    await test.post({ ...call, type: 'start' });
    expect(await scrape()).toContain(`${line('ringing')} 1`);

    await test.post({ ...call, type: 'end', disposition: 'no_answer' });
    now += 59_000;
    const soon = await scrape();
    expect(soon).toContain(`${line('ringing')} 0`);
    expect(soon).toContain(`${line('ended')} 0`);
    now += 1_000;
    expect(await scrape()).toContain(`${line('ended')} 1`);
  });
});
