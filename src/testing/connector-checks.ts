/**
 * The checks behind `runConnectorSuite`, as plain async functions that throw a readable Error.
 * They run the connector through the real `ModuleRunner`, so result shapes are checked exactly as in
 * production, and they are tested themselves against deliberately broken connectors.
 */
import pino from 'pino';
import { expect } from 'vitest';
import type { ConnectorDefinition, SettingsValues, VoipMember, VoipModule } from '../contract/index.js';
import { ModuleRunner } from '../runtime/module-runner.js';
import { toFetchRequest, type GoldenFixture } from './golden-fixtures.js';
import type { GarbageCase } from './garbage-requests.js';
import { MemoryStorage } from './memory-storage.js';

/** What the checks run: a connector with settings, as one connection. */
export interface SuiteTarget {
  definition: ConnectorDefinition;
  settings: SettingsValues;
  webhookUrl: string;
  timeoutMs?: number;
}

/** The suite's clock: parsers must not read the time, and if they use `ctx.now` the result stays fixed. */
export const SUITE_NOW = new Date('2026-01-15T10:00:00.000Z');

const REQUIRED: Array<keyof VoipModule> = [
  'VoipTestConnection',
  'VoipGetMembers',
  'VoipParseWebhookRequest',
  'VoipGenerateCall',
  'VoipGetCallLink',
];

/** A runner for the target over fresh (or the given) storage, logging nowhere. */
export function suiteRunner(target: SuiteTarget, storage = new MemoryStorage()): ModuleRunner {
  return new ModuleRunner({
    connectionId: `suite-${target.definition.id}`,
    definition: target.definition,
    settings: target.settings,
    storage,
    logger: pino({ level: 'silent' }),
    webhookUrl: target.webhookUrl,
    now: () => SUITE_NOW,
    ...(target.timeoutMs === undefined ? {} : { timeoutMs: target.timeoutMs }),
  });
}

function fail(message: string, problems: string[]): never {
  throw new Error(`${message}:\n  - ${problems.join('\n  - ')}`);
}

/** Id, name, docs and settings fields are usable, and `settings` fits them. */
export function checkDefinition(definition: ConnectorDefinition, settings: SettingsValues): void {
  const problems: string[] = [];
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(definition.id)) problems.push(`id '${definition.id}' is not kebab-case`);
  if (definition.name.trim() === '') problems.push('name is empty');
  if (definition.docsUrl.trim() === '') problems.push('docsUrl is empty');
  const keys = definition.settings.map((field) => field.key);
  for (const key of keys.filter((key, i) => keys.indexOf(key) !== i)) problems.push(`setting ${key} is declared twice`);
  for (const field of definition.settings) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(field.key)) problems.push(`setting key '${field.key}' is not camelCase`);
    if (field.label.trim() === '') problems.push(`setting ${field.key} has no label`);
    const expected = field.type === 'number' ? 'number' : field.type === 'boolean' ? 'boolean' : 'string';
    if (field.default !== undefined && typeof field.default !== expected) {
      problems.push(`setting ${field.key} has a ${typeof field.default} default for a ${field.type} field`);
    }
    if (field.required && (settings[field.key] === undefined || settings[field.key] === '')) {
      problems.push(`the suite's settings lack the required ${field.key}`);
    }
  }
  for (const key of Object.keys(settings)) {
    if (!keys.includes(key)) problems.push(`the suite's settings have ${key}, which the connector does not declare`);
  }
  if (problems.length > 0) fail(`Connector ${definition.id} is not well-formed`, problems);
}

/** `create` returns the five required functions, and `VoipOnWebhookUpdated` exactly when declared. */
export function checkDeclaredFunctions(target: SuiteTarget): void {
  const module = target.definition.create({
    settings: target.settings,
    storage: new MemoryStorage(),
    fetch: () => Promise.reject(new Error('create() must not make requests')),
    log: { debug() {}, info() {}, warn() {}, error() {} },
    signal: new AbortController().signal,
    now: () => SUITE_NOW,
    webhookUrl: target.webhookUrl,
  });
  const problems = REQUIRED.filter((fn) => typeof module[fn] !== 'function').map((fn) => `${fn} is missing`);
  const has = typeof module.VoipOnWebhookUpdated === 'function';
  if (has !== target.definition.hasWebhookUpdated) {
    problems.push(
      `hasWebhookUpdated is ${target.definition.hasWebhookUpdated} but create() ${has ? 'returns' : 'lacks'} VoipOnWebhookUpdated`,
    );
  }
  if (problems.length > 0) fail(`Connector ${target.definition.id} does not match its declaration`, problems);
}

/** The set shows at least one accepted request and one refused one. */
export function checkFixtureCoverage(fixtures: GoldenFixture[]): void {
  const accepted = fixtures.some((f) => f.expect.event !== undefined || f.expect.callRecord !== undefined);
  const refused = fixtures.some((f) => (f.expect.status ?? 200) >= 400 && (f.expect.status ?? 200) < 500);
  const problems = [
    ...(accepted ? [] : ['add a fixture whose request yields an event or a callRecord']),
    ...(refused ? [] : ['add a forged or malformed request that must get a 4xx response']),
  ];
  if (problems.length > 0) fail('The golden fixtures are incomplete', problems);
}

/** The parts of a parse result a fixture pins down, as JSON (what the host stores). */
function outcome(result: Awaited<ReturnType<ModuleRunner['parseWebhookRequest']>>) {
  const json = (value: unknown) => (value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown));
  return { status: result.response?.statusCode ?? 200, event: json(result.event), callRecord: json(result.callRecord) };
}

/** Delivers the fixture's `before` requests, then its request, on one runner; returns the request's result. */
async function parseFixture(runner: ModuleRunner, target: SuiteTarget, fixture: GoldenFixture) {
  for (const request of fixture.before ?? []) {
    await runner.parseWebhookRequest(toFetchRequest(request, target.webhookUrl));
  }
  return runner.parseWebhookRequest(toFetchRequest(fixture.request, target.webhookUrl));
}

export async function checkFixture(target: SuiteTarget, fixture: GoldenFixture): Promise<void> {
  const result = await parseFixture(suiteRunner(target), target, fixture);
  const actual = outcome(result);
  const responseBody = result.response?.body ?? '';
  const source = fixture.source ? ` [${fixture.source}]` : '';
  expect(actual.status, `status${source} (response body: ${responseBody.slice(0, 200)})`).toBe(
    fixture.expect.status ?? 200,
  );
  expect(actual.event, `event${source}`).toEqual(fixture.expect.event);
  expect(actual.callRecord, `callRecord${source}`).toEqual(fixture.expect.callRecord);
  if (fixture.expect.body !== undefined) expect(responseBody, `response body${source}`).toBe(fixture.expect.body);
}

/**
 * Delivered one after another on one storage, each request gives the same result on a new runner over a
 * copy of that storage: what a connector remembers lives in the module storage, not in memory, where a
 * restart would lose it and a second process would not see it. A duplicate delivery gets the same status
 * and reports nothing new: the same event and call record, or none (a connector may drop duplicates).
 */
export async function checkIdempotent(target: SuiteTarget, fixtures: GoldenFixture[]): Promise<void> {
  const storage = new MemoryStorage();
  const shared = suiteRunner(target, storage);
  for (const fixture of fixtures) {
    const request = toFetchRequest(fixture.request, target.webhookUrl);
    const replay = outcome(await suiteRunner(target, storage.copy()).parseWebhookRequest(request));
    const first = outcome(await shared.parseWebhookRequest(request));
    expect(replay, `${fixture.name}: the result depends on state outside the module storage`).toEqual(first);
    const again = outcome(await shared.parseWebhookRequest(request));
    const reported = { ...again, event: again.event ?? first.event, callRecord: again.callRecord ?? first.callRecord };
    expect(reported, `${fixture.name}: a duplicate delivery gave a different result`).toEqual(first);
  }
}

/**
 * Every case parses without throwing and with a valid result; with `refuse`, each must also get a 4xx
 * response and no event or call record. All failures are reported together.
 */
export async function checkGarbage(target: SuiteTarget, cases: GarbageCase[], refuse: boolean): Promise<void> {
  const problems: string[] = [];
  for (const { name, request } of cases) {
    try {
      const result = outcome(await suiteRunner(target).parseWebhookRequest(request));
      if (!refuse) continue;
      if (result.status < 400 || result.status > 499) problems.push(`${name}: status ${result.status}, expected 4xx`);
      if (result.event || result.callRecord) problems.push(`${name}: reported an event or a call record`);
    } catch (error) {
      problems.push(`${name}: threw: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) fail(`${problems.length} of ${cases.length} odd requests were mishandled`, problems);
}

export async function checkTestConnection(target: SuiteTarget): Promise<void> {
  const result = await suiteRunner(target).testConnection();
  expect(result, 'VoipTestConnection with good settings').toEqual({ success: true });
}

/** Members exist, and their ids can serve as extensions: unique, without whitespace. */
export async function checkMembers(target: SuiteTarget): Promise<VoipMember[]> {
  const members = await suiteRunner(target).getMembers();
  if (members.length === 0) fail('VoipGetMembers returned no members', ['give the suite settings with members']);
  const ids = members.map((member) => member.id);
  const problems = [
    ...ids.filter((id) => /\s/.test(id)).map((id) => `id '${id}' contains whitespace`),
    ...ids.filter((id, i) => ids.indexOf(id) !== i).map((id) => `id '${id}' appears more than once`),
  ];
  if (problems.length > 0) fail('VoipGetMembers returned ids that cannot be extensions', problems);
  return members;
}

export async function checkGenerateCall(target: SuiteTarget, call: { src: string; dst: string } | undefined) {
  if (call === undefined) {
    fail('No call to place', ['give options.call = { src, dst }, or skip generateCall with a reason']);
  }
  await suiteRunner(target).generateCall(call.src, call.dst);
}

/** For each fixture with `expect.callLink` or `callLinkPattern`, the record's call data turns into that link. */
export async function checkCallLinks(target: SuiteTarget, fixtures: GoldenFixture[]): Promise<void> {
  const withLinks = fixtures.filter(
    (fixture) => fixture.expect.callLink !== undefined || fixture.expect.callLinkPattern !== undefined,
  );
  if (withLinks.length === 0) {
    fail('No fixture has expect.callLink', ['add one to a callRecord fixture, or skip getCallLink with a reason']);
  }
  for (const fixture of withLinks) {
    const runner = suiteRunner(target);
    const { callRecord } = await parseFixture(runner, target, fixture);
    expect(callRecord, `${fixture.name}: callRecord`).toBeDefined();
    // Through JSON, as the host stores `call` and hands it back later.
    const stored: unknown = JSON.parse(JSON.stringify(callRecord?.call ?? null));
    const link = await runner.getCallLink(stored);
    const { callLink, callLinkPattern } = fixture.expect;
    if (callLink !== undefined) expect(link, `${fixture.name}: VoipGetCallLink`).toBe(callLink);
    else expect(link, `${fixture.name}: VoipGetCallLink`).toMatch(new RegExp(callLinkPattern ?? ''));
  }
}

export async function checkWebhookUpdated(target: SuiteTarget): Promise<void> {
  const outcome = await suiteRunner(target).onWebhookUpdated(`${target.webhookUrl}-renewed`);
  expect(outcome.ran, 'VoipOnWebhookUpdated ran').toBe(target.definition.hasWebhookUpdated);
}
