import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HttpResponse,
  type ConnectorContext,
  type ConnectorDefinition,
  type FetchRequest,
  type VoipModule,
  type VoipWebhookParseResult,
} from '../contract/index.js';
import { fakeConnector } from '../connectors/fake/index.js';
import { FAKE_SIGNATURE_HEADER, signFakeBody } from '../connectors/fake/fake-webhook.js';
import {
  checkCallLinks,
  checkDeclaredFunctions,
  checkDefinition,
  checkFixture,
  checkFixtureCoverage,
  checkGarbage,
  checkGenerateCall,
  checkIdempotent,
  checkMembers,
  checkWebhookUpdated,
  type SuiteTarget,
} from './connector-checks.js';
import { runConnectorSuite, type ConnectorSuiteOptions } from './connector-suite.js';
import { mutatedRequests, refusedRequests } from './garbage-requests.js';
import { loadFixtures, toFetchRequest, withHeader, type GoldenFixture } from './golden-fixtures.js';

const secret = 'fixture-secret';
const fixtures = loadFixtures(fileURLToPath(new URL('../connectors/fake/fixtures', import.meta.url)));
const accepted = fixtures.filter((fixture) => fixture.expect.event || fixture.expect.callRecord);
const webhookUrl = 'https://hub.example/hooks/t';
const sign = (request: Parameters<typeof withHeader>[0]) =>
  withHeader(request, FAKE_SIGNATURE_HEADER, signFakeBody(request.body ?? '', secret));

/** The fake connector with some functions replaced: a deliberately broken connector. */
function broken(overrides: Partial<VoipModule>, extra: Partial<ConnectorDefinition> = {}): SuiteTarget {
  const definition: ConnectorDefinition = {
    ...fakeConnector,
    ...extra,
    create: (ctx) => ({ ...fakeConnector.create(ctx), ...overrides }),
  };
  return { definition, settings: { secret, members: '101:Anna' }, webhookUrl };
}

const good = broken({});

/** The fake connector with a parser that sees the context, e.g. to keep state in the module storage. */
function parsing(
  parse: (request: FetchRequest, ctx: ConnectorContext) => Promise<VoipWebhookParseResult>,
): SuiteTarget {
  const target = broken({});
  target.definition = {
    ...target.definition,
    create: (ctx) => ({ ...fakeConnector.create(ctx), VoipParseWebhookRequest: (request) => parse(request, ctx) }),
  };
  return target;
}

/** Counts deliveries in the module storage; returns this one's number. */
async function count(ctx: ConnectorContext): Promise<number> {
  const deliveries = Number((await ctx.storage.getItem('deliveries')) ?? 0) + 1;
  await ctx.storage.setItem('deliveries', String(deliveries));
  return deliveries;
}

describe('connector checks catch broken connectors', () => {
  it('accepts the fake connector', async () => {
    checkDefinition(good.definition, good.settings);
    checkDeclaredFunctions(good);
    for (const fixture of fixtures) await checkFixture(good, fixture);
  });

  it('finds a malformed definition and settings that do not fit it', () => {
    const definition: ConnectorDefinition = {
      ...fakeConnector,
      id: 'Fake_PBX',
      settings: [
        ...fakeConnector.settings,
        { key: 'secret', type: 'string', label: 'Again' },
        { key: 'port', type: 'number', label: 'Port', default: '5060' },
      ],
    };
    const error = (() => {
      try {
        checkDefinition(definition, { members: '1', sekret: 'x' });
      } catch (e) {
        return String(e);
      }
    })();
    for (const problem of [
      'Connector Fake_PBX is not well-formed:',
      "id 'Fake_PBX' is not kebab-case",
      'setting secret is declared twice',
      'setting port has a string default for a number field',
      "the suite's settings lack the required secret",
      "the suite's settings have sekret, which the connector does not declare",
    ]) {
      expect(error).toContain(problem);
    }
    expect(error?.match(/declared twice/g)).toHaveLength(1);
  });

  it('finds a hasWebhookUpdated that does not match create()', () => {
    expect(() => checkDeclaredFunctions(broken({}, { hasWebhookUpdated: false }))).toThrow(
      'hasWebhookUpdated is false but create() returns VoipOnWebhookUpdated',
    );
    expect(() => checkDeclaredFunctions(broken({ VoipGetCallLink: undefined as never }))).toThrow(
      'VoipGetCallLink is missing',
    );
  });

  it('finds a declared VoipOnWebhookUpdated that does not run', async () => {
    await expect(checkWebhookUpdated(broken({ VoipOnWebhookUpdated: undefined }))).rejects.toThrow(
      'VoipOnWebhookUpdated ran',
    );
  });

  it('wants both accepted and refused fixtures', () => {
    expect(() => checkFixtureCoverage(accepted)).toThrow(
      'add a forged or malformed request that must get a 4xx response',
    );
    expect(() => checkFixtureCoverage(fixtures.filter((f) => f.expect.status === 401))).toThrow(
      'add a fixture whose request yields an event or a callRecord',
    );
  });

  it('finds a parse result that differs from the fixture', async () => {
    const fixture = accepted[0] as GoldenFixture;
    const wrong = { ...fixture, expect: { ...fixture.expect, event: { ...fixture.expect.event!, dstPhone: '102' } } };
    await expect(checkFixture(good, wrong)).rejects.toThrow('event');
    const refusedWith200 = { ...fixture, expect: { status: 401 } };
    await expect(checkFixture(good, refusedWith200)).rejects.toThrow('status');
  });

  it('finds results that change on a duplicate delivery', async () => {
    // Counted in the module storage, so only the duplicate delivery can tell.
    const counting = parsing(async (_request, ctx) => {
      const deliveries = await count(ctx);
      return { response: new HttpResponse().status(deliveries % 2 ? 200 : 409) };
    });
    await expect(checkIdempotent(counting, fixtures.slice(0, 1))).rejects.toThrow(
      'a duplicate delivery gave a different result',
    );
  });

  it('lets a connector drop duplicates it recognises by the module storage', async () => {
    const deduplicating = parsing(async (request, ctx) => {
      if (await ctx.storage.getItem(request.body ?? '')) return {};
      await ctx.storage.setItem(request.body ?? '', 'seen');
      return fakeConnector.create(ctx).VoipParseWebhookRequest(request);
    });
    await expect(checkIdempotent(deduplicating, accepted)).resolves.toBeUndefined();
  });

  it('finds state kept in memory instead of the module storage', async () => {
    const seen = new Set<string>();
    const forgetful = parsing(async (request, ctx) => {
      if (seen.has(request.body ?? '')) return {};
      seen.add(request.body ?? '');
      return fakeConnector.create(ctx).VoipParseWebhookRequest(request);
    });
    await expect(checkIdempotent(forgetful, accepted.slice(0, 1))).rejects.toThrow(
      `${accepted[0]?.name}: the result depends on state outside the module storage`,
    );
  });

  it('delivers the requests a fixture names in `before` first, on the same storage', async () => {
    const counting = parsing(async (_request, ctx) => ({
      response: new HttpResponse().content(String(await count(ctx))),
    }));
    const request = { method: 'POST', body: 'x' };
    const fixture: GoldenFixture = { name: 'third', before: [request, request], request, expect: { body: '3' } };
    await expect(checkFixture(counting, fixture)).resolves.toBeUndefined();
    await expect(checkFixture(counting, { ...fixture, before: [request] })).rejects.toThrow('response body');
  });

  it('finds a parser that accepts garbage or throws on it', async () => {
    const template = toFetchRequest(accepted[0]!.request, webhookUrl);
    const cases = refusedRequests(webhookUrl, template, sign);
    expect(cases.length).toBeGreaterThanOrEqual(60);
    await expect(checkGarbage(good, cases, true)).resolves.toBeUndefined();
    const lenient = broken({ VoipParseWebhookRequest: async () => ({}) });
    await expect(checkGarbage(lenient, cases, true)).rejects.toThrow(`${cases.length} of ${cases.length} odd requests`);
    const naive = broken({
      async VoipParseWebhookRequest(request) {
        const body = JSON.parse(request.body ?? '') as { to: string };
        return { response: new HttpResponse().status(body.to.length > 0 ? 200 : 400) };
      },
    });
    await expect(checkGarbage(naive, cases, true)).rejects.toThrow(
      "POST empty as application/json: threw: Handling the webhook failed: the connector 'Fake PBX (test/dev)' stopped with an error: Unexpected end of JSON input",
    );
  });

  it('mutates every field of the accepted payloads, signed', async () => {
    const cases = mutatedRequests(webhookUrl, accepted.slice(0, 1), sign);
    const keys = Object.keys(JSON.parse(accepted[0]!.request.body ?? '{}') as object);
    expect(cases).toHaveLength(keys.length * 12);
    expect(cases.map((c) => c.name)).toContain(`${accepted[0]!.name}: to = null`);
    const naive = broken({
      async VoipParseWebhookRequest(request) {
        const body = JSON.parse(request.body ?? '') as { to: string };
        return { response: new HttpResponse().status(body.to.startsWith('1') ? 200 : 400) };
      },
    });
    await expect(checkGarbage(naive, cases, false)).rejects.toThrow('to = null: threw');
  });

  it('mutates the JSON a form field holds, as well as the field itself', () => {
    const json = '{"a":1,"b":"x"}';
    const fixture: GoldenFixture = {
      name: 'form',
      request: {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ sign: 's', json }).toString(),
      },
      expect: {},
    };
    const cases = mutatedRequests(webhookUrl, [fixture]);
    // Per field: removed, and six odd values; per key of the JSON object: removed, and eleven wrong types.
    expect(cases).toHaveLength(2 * 7 + 2 * 12);
    const nested = cases.find((c) => c.name === 'form: json: a = null');
    expect(new URLSearchParams(nested?.request.body).get('json')).toBe('{"a":null,"b":"x"}');
    expect(new URLSearchParams(nested?.request.body).get('sign')).toBe('s');
  });

  it('finds members that cannot be extensions', async () => {
    const members = (list: Array<{ id: string; label: string }>) => broken({ VoipGetMembers: async () => list });
    await expect(checkMembers(members([]))).rejects.toThrow('VoipGetMembers returned no members');
    const error = await checkMembers(
      members([
        { id: '101', label: 'a' },
        { id: '10 2', label: 'b' },
        { id: '101', label: 'c' },
      ]),
    ).catch((e: unknown) => e);
    expect(String(error)).toContain('VoipGetMembers returned ids that cannot be extensions');
    expect(String(error)).toContain("id '10 2' contains whitespace");
    expect(String(error)).toContain("id '101' appears more than once");
  });

  it('finds a wrong recording link, and asks for a call to place', async () => {
    const wrong = broken({ VoipGetCallLink: async () => 'https://elsewhere.example/x.mp3' });
    await expect(checkCallLinks(wrong, fixtures)).rejects.toThrow('VoipGetCallLink');
    await expect(
      checkCallLinks(
        good,
        accepted.filter((f) => !f.expect.callLink),
      ),
    ).rejects.toThrow('No fixture has expect.callLink');
    const record = fixtures.find((f) => f.expect.callLink) as GoldenFixture;
    const pattern = (callLinkPattern: string) => [
      { ...record, expect: { ...record.expect, callLink: undefined, callLinkPattern } },
    ];
    await expect(checkCallLinks(good, pattern('^https://records\\.fake-pbx\\.example/'))).resolves.toBeUndefined();
    await expect(checkCallLinks(good, pattern('^https://elsewhere\\.'))).rejects.toThrow('VoipGetCallLink');
    await expect(checkGenerateCall(good, undefined)).rejects.toThrow('give options.call = { src, dst }');
  });
});

describe('golden fixture files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fixtures-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['not JSON', '{', 'is not valid JSON'],
    [
      'a typo in a key',
      '{"name":"x","request":{"method":"POST"},"expected":{}}',
      'the fixture has unknown keys expected',
    ],
    [
      'a body object',
      '{"name":"x","request":{"method":"POST","body":{}},"expect":{}}',
      'request.body must be the raw body as text',
    ],
    [
      'an event on a refused request',
      '{"name":"x","request":{"method":"POST"},"expect":{"status":401,"event":{}}}',
      'a refused request (status 4xx/5xx) cannot also expect an event',
    ],
    [
      'an invalid expected event',
      '{"name":"x","request":{"method":"POST"},"expect":{"event":{"event":"start","direction":"inn","srcPhone":"1","dstPhone":"2","disposition":"unknown"}}}',
      "expect is not a valid module result: VoipParseWebhookRequest returned an event with an unknown direction 'inn'",
    ],
    [
      'a link without a record',
      '{"name":"x","request":{"method":"GET"},"expect":{"callLink":"https://a.example"}}',
      'expect.callLink needs expect.callRecord',
    ],
    [
      'a link pattern that is no regular expression',
      '{"name":"x","request":{"method":"GET"},"expect":{"callLinkPattern":"(https"}}',
      'expect.callLinkPattern is not a regular expression',
    ],
    [
      'null for none',
      '{"name":"x","request":{"method":"POST"},"expect":{"event":null,"callRecord":null}}',
      'expect has null for event, callRecord: leave a key out to mean none',
    ],
    ['an empty source', '{"name":"x","source":"","request":{"method":"POST"},"expect":{}}', 'source must be non-empty'],
    [
      'an earlier request with a body object',
      '{"name":"x","before":[{"method":"POST","body":{}}],"request":{"method":"POST"},"expect":{}}',
      'before[0].body must be the raw body as text',
    ],
  ])('names the file with %s', (_what, text, message) => {
    const sub = mkdtempSync(join(dir, 'case-'));
    writeFileSync(join(sub, 'bad.json'), text);
    expect(() => loadFixtures(sub)).toThrow(`${join(sub, 'bad.json')}`);
    expect(() => loadFixtures(sub)).toThrow(message);
  });

  it('refuses an empty folder', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(() => loadFixtures(empty)).toThrow('No *.json fixtures in');
  });

  it('builds the request a module sees', () => {
    const request = toFetchRequest(
      { method: 'get', path: '/echo', query: { x: 'a b' }, headers: { 'content-type': 'text/plain' } },
      'https://hub.example/hooks/t/',
    );
    expect(request).toMatchObject({
      method: 'GET',
      url: 'https://hub.example/hooks/t/echo?x=a+b',
      path: '/echo',
      body: '',
    });
    expect(request.headers['Content-Type']).toBe('text/plain');
    expect(withHeader(request, 'CONTENT-TYPE', undefined).headers['content-type']).toBeUndefined();
  });
});

describe('runConnectorSuite options', () => {
  const base: ConnectorSuiteOptions = { definition: fakeConnector, settings: { secret }, fixtures };

  it('wants a reason for every skip, and only API checks can be skipped', () => {
    expect(() => runConnectorSuite({ ...base, skip: { getMembers: ' ' } })).toThrow('skip.getMembers needs a reason');
    expect(() => runConnectorSuite({ ...base, skip: { getMembers: undefined } })).toThrow(
      'skip.getMembers needs a reason',
    );
    expect(() => runConnectorSuite({ ...base, skip: { fixtures: 'no' } as never })).toThrow("cannot skip 'fixtures'");
    // @ts-expect-error a skip without a reason does not type-check
    const noReason: ConnectorSuiteOptions = { ...base, skip: { getMembers: true } };
    expect(noReason.skip).toBeDefined();
  });
});
