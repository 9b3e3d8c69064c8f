/**
 * The conformance suite every connector runs, like Hono's router cases or Auth.js's adapter tests.
 * Call it at the top level of the connector's test file:
 *
 *   runConnectorSuite({
 *     definition: mangoConnector,
 *     settings: { apiKey: 'k', apiSalt: 's' },
 *     fixtures: fileURLToPath(new URL('./fixtures', import.meta.url)),
 *     sign: (request) => withHeader(request, 'X-Sign', sign(request.body)),
 *     skip: { generateCall: 'needs the Mango emulator' },
 *   });
 *
 * What it checks, always:
 * - the definition is well-formed (kebab-case id, unique setting keys, `settings` fits the fields);
 * - `create` returns the five required functions, and `VoipOnWebhookUpdated` exactly when `hasWebhookUpdated`;
 * - every golden fixture: status, event and call record as expected (through the runner's shape checks);
 * - the fixtures include an accepted request and a refused (4xx) one;
 * - state lives in the module storage only: delivered in order on one storage, each request parses the
 *   same on a new runner over a copy of it; a duplicate delivery gets the same status and reports nothing
 *   new (the same event, or none: a connector may drop duplicates it recognises);
 * - some 70 garbage requests (empty, binary, 1 MB, deep JSON, wrong methods and paths) get a 4xx and
 *   no event; real payloads with a field removed or of the wrong JSON type (also inside a form field that
 *   holds JSON) never make the parser throw.
 * And, unless skipped with a reason: Test connection succeeds; members are non-empty with unique ids
 * free of whitespace; click-to-call (`call`) resolves; `VoipGetCallLink` turns each fixture's
 * `callRecord.call` into its `expect.callLink` (or a link matching `callLinkPattern`); `VoipOnWebhookUpdated`
 * runs when declared.
 *
 * Golden fixture files: one JSON file per case in the fixtures folder, read in file-name order.
 *   {
 *     "name": "incoming call rings agent 101",
 *     "source": "VPBX API v1.9 §3.1.2 example",   optional: where the payload or the behaviour is documented
 *     "before": [ { "method": "POST", … } ],     optional: requests delivered first on the same storage
 *                                                (results unchecked), for state the request builds on
 *     "request": {
 *       "method": "POST",                    required
 *       "path": "/events/call",              below the webhook URL; default "/"
 *       "query": { "x": "1" },               default {}
 *       "headers": { "Content-Type": "application/json", "X-Sign": "…" },   default {}
 *       "body": "{\"type\":\"start\"}"       the raw body as a string (signatures cover these bytes); default ""
 *     },
 *     "expect": {
 *       "status": 200,                       the response status; default 200 (no response from the module)
 *       "event": { … },                      the exact VoipWebhookRequest; absent = the module must return none
 *       "callRecord": { … },                 the exact VoipCallRecord (as JSON); absent = none
 *       "body": "…",                         optional: the exact response body (echoes, challenges)
 *       "callLink": "https://…"              optional: what VoipGetCallLink returns for callRecord.call
 *       "callLinkPattern": "^https://…$"     or a regular expression it matches, for single-use links
 *     }
 *   }
 * Unknown keys are errors, absent means none (write no `null`s), and a 4xx/5xx fixture cannot expect an
 * event: forged and malformed requests are fixtures too. Keep real captured payloads (secrets replaced)
 * where you have them, and say in `source` where a payload comes from.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ConnectorDefinition, FetchRequest, SettingsValues } from '../contract/index.js';
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
  checkTestConnection,
  checkWebhookUpdated,
  type SuiteTarget,
} from './connector-checks.js';
import { checkFuzzEdge, checkFuzzParse } from './fuzz-checks.js';
import { FUZZ_RUNS, fuzzRequests } from './fuzz-requests.js';
import { mutatedRequests, refusedRequests } from './garbage-requests.js';
import { readFixture, loadFixtures, toFetchRequest, type GoldenFixture } from './golden-fixtures.js';

/** The checks that call the provider's API, and so may need an emulator. Only these can be skipped. */
export type SkippableCheck = 'testConnection' | 'getMembers' | 'generateCall' | 'getCallLink' | 'webhookUpdated';

export interface ConnectorSuiteOptions {
  definition: ConnectorDefinition;
  /** Settings for a working connection; an emulator's settings are laid over them. */
  settings: SettingsValues;
  /** A folder of fixture files, or the fixtures themselves. */
  fixtures: string | GoldenFixture[];
  /** Re-signs a request after the suite changed its body, so garbage reaches the parser. */
  sign?: (request: FetchRequest) => FetchRequest;
  /** Starts a provider emulator for the API checks and returns the settings that point at it. */
  emulator?: () => Promise<{ settings: SettingsValues; close: () => Promise<void> }>;
  /** The click-to-call to place: an extension the provider knows and a number. */
  call?: { src: string; dst: string };
  /** Checks not run, each with the reason (shown in the test output). */
  skip?: { [K in SkippableCheck]?: string };
  /** Told apart in the output when a connector runs the suite more than once. */
  label?: string;
  webhookUrl?: string;
  timeoutMs?: number;
}

const API_CHECKS: Array<[SkippableCheck, string]> = [
  ['testConnection', 'Test connection succeeds'],
  ['getMembers', 'members have ids usable as extensions'],
  ['generateCall', 'click-to-call resolves'],
  ['getCallLink', 'call records turn into their recording links'],
  ['webhookUpdated', 'VoipOnWebhookUpdated runs exactly when declared'],
];

export function runConnectorSuite(options: ConnectorSuiteOptions): void {
  const { definition } = options;
  for (const [check, reason] of Object.entries(options.skip ?? {})) {
    if (!API_CHECKS.some(([name]) => name === check)) {
      throw new Error(`runConnectorSuite: cannot skip '${check}'; only ${API_CHECKS.map(([name]) => name).join(', ')}`);
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new Error(`runConnectorSuite: skip.${check} needs a reason, e.g. 'needs the provider emulator'`);
    }
  }
  const fixtures =
    typeof options.fixtures === 'string'
      ? loadFixtures(options.fixtures)
      : options.fixtures.map((fixture, i) => readFixture(fixture, `fixtures[${i}] (${fixture.name})`));
  const target: SuiteTarget = {
    definition,
    settings: options.settings,
    webhookUrl: options.webhookUrl ?? 'https://switchboard.example/hooks/suite-token',
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  const accepted = fixtures.filter((fixture) => (fixture.expect.status ?? 200) < 400);
  const template = toFetchRequest((accepted[0] ?? fixtures[0])?.request ?? { method: 'POST' }, target.webhookUrl);

  describe(`connector ${definition.id}${options.label ? ` (${options.label})` : ''}`, () => {
    it('has a well-formed definition', () => checkDefinition(definition, options.settings));
    it('returns the functions it declares', () => checkDeclaredFunctions(target));
    it('has fixtures for accepted and refused requests', () => checkFixtureCoverage(fixtures));

    describe('golden fixtures', () => {
      for (const fixture of fixtures) it(fixture.name, () => checkFixture(target, fixture));
    });

    it('parses duplicates alike, without hidden state', () => checkIdempotent(target, fixtures));
    it('answers garbage with 4xx and no event', () =>
      checkGarbage(target, refusedRequests(target.webhookUrl, template, options.sign), true));
    it('never throws on fields of the wrong type', () =>
      checkGarbage(target, mutatedRequests(target.webhookUrl, accepted, options.sign), false));
    const fuzz = fuzzRequests(target.webhookUrl, accepted, options.sign);
    it(`never throws on ${FUZZ_RUNS} generated requests`, () => checkFuzzParse(target, fuzz), 120_000);
    it(
      `serves ${FUZZ_RUNS} generated requests at the webhook endpoint without a 5xx of its own`,
      () => checkFuzzEdge(target, fuzz),
      120_000,
    );

    describe('provider API', () => {
      const api: SuiteTarget = { ...target };
      let close: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        if (!options.emulator) return;
        const started = await options.emulator();
        api.settings = { ...options.settings, ...started.settings };
        close = started.close;
      });
      afterAll(async () => close?.());

      const run: Record<SkippableCheck, () => Promise<unknown>> = {
        testConnection: () => checkTestConnection(api),
        getMembers: () => checkMembers(api),
        generateCall: () => checkGenerateCall(api, options.call),
        getCallLink: () => checkCallLinks(api, fixtures),
        webhookUpdated: () => checkWebhookUpdated(api),
      };
      for (const [check, title] of API_CHECKS) {
        const reason = options.skip?.[check];
        if (reason === undefined) it(title, async () => void (await run[check]()));
        else it.skip(`${title} (skipped: ${reason})`, () => {});
      }
    });
  });
}
