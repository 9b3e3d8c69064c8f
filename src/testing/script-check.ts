/**
 * `module check`: the conformance suite (the same checks as `runConnectorSuite`) run outside Vitest on a
 * script module, with a readable report. With a provider kit (`--emulator <provider>`) it also replays
 * that provider's golden fixtures and calls the provider's API on its emulator.
 */
import type { ConnectorDefinition, SettingsValues } from '../contract/index.js';
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
import { checkFuzzParse } from './fuzz-checks.js';
import { fuzzRequests } from './fuzz-requests.js';
import { mutatedRequests, refusedRequests } from './garbage-requests.js';
import { toFetchRequest } from './golden-fixtures.js';
import type { ProviderKit } from './provider-kits.js';

export interface CheckOutcome {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  detail?: string;
}

export interface CheckReport {
  connector: string;
  outcomes: CheckOutcome[];
  passed: boolean;
}

const WEBHOOK_URL = 'https://switchboard.example/hooks/check-token';
/** The built-in suite generates 10,000; through a worker thread that takes minutes, so a script gets fewer. */
const FUZZ_RUNS_SCRIPT = 500;

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // Vitest's assertion messages carry colour codes when a terminal is attached.
  return text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
}

/** Runs every check in order, collecting failures instead of stopping at the first one. */
export async function checkScriptModule(
  definition: ConnectorDefinition,
  kit?: ProviderKit,
  given: SettingsValues = kit?.settings ?? {},
): Promise<CheckReport> {
  const outcomes: CheckOutcome[] = [];
  const settings = withPlaceholders(definition, given);
  const target: SuiteTarget = { definition, settings, webhookUrl: WEBHOOK_URL, timeoutMs: 10_000 };
  const run = async (name: string, check: () => unknown) => {
    try {
      await check();
      outcomes.push({ name, status: 'passed' });
    } catch (error) {
      outcomes.push({ name, status: 'failed', detail: message(error) });
    }
  };
  const skip = (name: string, detail: string) => outcomes.push({ name, status: 'skipped', detail });

  await run('the definition is well-formed', () => checkDefinition(definition, settings));
  await run('it declares the five functions (and VoipOnWebhookUpdated as found)', () => checkDeclaredFunctions(target));
  const fixtures = kit?.fixtures ?? [];
  const accepted = fixtures.filter((fixture) => (fixture.expect.status ?? 200) < 400);
  const template = toFetchRequest((accepted[0] ?? fixtures[0])?.request ?? { method: 'POST' }, WEBHOOK_URL);
  if (kit) {
    await run('the fixtures cover accepted and refused requests', () => checkFixtureCoverage(fixtures));
    for (const fixture of fixtures) await run(`fixture: ${fixture.name}`, () => checkFixture(target, fixture));
    await run('duplicates parse alike, without hidden state', () => checkIdempotent(target, fixtures));
  } else {
    skip('golden fixtures', 'give --emulator <provider> to replay that provider’s fixtures');
  }
  await run('garbage gets a 4xx and no event', () =>
    checkGarbage(target, refusedRequests(WEBHOOK_URL, template, kit?.sign), true),
  );
  if (kit) {
    await run('fields of the wrong type never make it throw', () =>
      checkGarbage(target, mutatedRequests(WEBHOOK_URL, accepted, kit.sign), false),
    );
    await run(`never throws on ${FUZZ_RUNS_SCRIPT} generated requests`, () =>
      checkFuzzParse(target, fuzzRequests(WEBHOOK_URL, accepted, kit.sign), FUZZ_RUNS_SCRIPT),
    );
  }

  const api = [
    'Test connection succeeds',
    'members are usable extensions',
    'click-to-call resolves',
    'call records give their recording links',
    'VoipOnWebhookUpdated runs exactly when declared',
  ];
  if (!kit) {
    for (const name of api) skip(name, 'needs the provider: give --emulator <provider>');
  } else {
    let close: (() => Promise<void>) | undefined;
    try {
      const started = await kit.emulator();
      close = started.close;
      const withApi: SuiteTarget = { ...target, settings: { ...settings, ...started.settings } };
      await run(api[0]!, () => checkTestConnection(withApi));
      await run(api[1]!, () => checkMembers(withApi));
      await run(api[2]!, () => checkGenerateCall(withApi, kit.call));
      await run(api[3]!, () => checkCallLinks(withApi, fixtures));
      await run(api[4]!, () => checkWebhookUpdated(withApi));
    } finally {
      await close?.();
    }
  }
  return { connector: definition.id, outcomes, passed: outcomes.every((o) => o.status !== 'failed') };
}

/**
 * Required settings nobody gave get a placeholder of their type, so the checks that need no provider
 * (shape, garbage) can run; a placeholder (long enough for the usual length rules) is never a working credential, the API checks need the kit's.
 */
function withPlaceholders(definition: ConnectorDefinition, given: SettingsValues): SettingsValues {
  const settings = { ...given };
  for (const field of definition.settings) {
    if (!field.required || (settings[field.key] !== undefined && settings[field.key] !== '')) continue;
    settings[field.key] =
      field.type === 'number'
        ? 1
        : field.type === 'boolean'
          ? false
          : field.type === 'url'
            ? 'https://pbx.invalid/'
            : 'check-placeholder';
  }
  return settings;
}

/** The report as text: one line per check, failures with their reasons indented below. */
export function formatReport(report: CheckReport): string {
  const mark = { passed: '✓', failed: '✗', skipped: '-' } as const;
  const lines = report.outcomes.flatMap((o) => [
    `${mark[o.status]} ${o.name}${o.status === 'skipped' ? ` (skipped: ${o.detail})` : ''}`,
    ...(o.status === 'failed' && o.detail ? o.detail.split('\n').map((line) => `    ${line}`) : []),
  ]);
  const count = (status: CheckOutcome['status']) => report.outcomes.filter((o) => o.status === status).length;
  lines.push(
    '',
    `${report.passed ? 'PASSED' : 'FAILED'}: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`,
  );
  return lines.join('\n');
}
