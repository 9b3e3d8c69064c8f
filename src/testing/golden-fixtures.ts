/**
 * Golden fixtures: one webhook request and what the connector must make of it. The format is documented
 * in connector-suite.ts; this file loads and checks fixtures, so a typo in one fails loudly by file name
 * instead of quietly testing less.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHeaders, type FetchRequest, type VoipCallRecord, type VoipWebhookRequest } from '../contract/index.js';
import { checkParseResult } from '../runtime/module-results.js';

export interface FixtureRequest {
  method: string;
  /** Below the webhook URL, starting with `/`; default `/`. */
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** The raw body, exactly as the provider sends it (signatures are computed over it); default `''`. */
  body?: string;
}

export interface FixtureExpect {
  /** The HTTP status the PBX gets back; default 200 (what the host sends when the module gives no response). */
  status?: number;
  /** The exact event; absent means the module must return none. */
  event?: VoipWebhookRequest;
  /** The exact call record; absent means the module must return none. */
  callRecord?: VoipCallRecord;
  /** The exact response body, when it matters (an echo, a challenge). */
  body?: string;
  /** What `VoipGetCallLink` must return for this fixture's `callRecord.call`. */
  callLink?: string;
  /** Instead of `callLink`, a regular expression the link must match: for providers whose links are single-use. */
  callLinkPattern?: string;
}

export interface GoldenFixture {
  name: string;
  /** Where the payload or the expected behaviour comes from: a documentation page, section or example. */
  source?: string;
  /** Requests delivered first, on the same module storage, with their results unchecked: state the request needs. */
  before?: FixtureRequest[];
  request: FixtureRequest;
  expect: FixtureExpect;
  /** The file it came from, for messages; set by {@link loadFixtures}. */
  file?: string;
}

type Fields = Record<string, unknown>;

function fields(value: unknown, where: string, allowed: string[]): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${where} must be an object`);
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0)
    throw new Error(`${where} has unknown keys ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`);
  return value as Fields;
}

function textMap(value: unknown, where: string): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${where} must be an object`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new Error(`${where}.${key} must be text`);
  }
}

function checkRequest(value: unknown, where: string): void {
  const request = fields(value, where, ['method', 'path', 'query', 'headers', 'body']);
  if (typeof request.method !== 'string' || !/^[A-Za-z]+$/.test(request.method)) {
    throw new Error(`${where}.method must be an HTTP method such as POST`);
  }
  if (request.path !== undefined && (typeof request.path !== 'string' || !request.path.startsWith('/'))) {
    throw new Error(`${where}.path must start with /`);
  }
  textMap(request.query, `${where}.query`);
  textMap(request.headers, `${where}.headers`);
  if (request.body !== undefined && typeof request.body !== 'string') {
    throw new Error(`${where}.body must be the raw body as text; write JSON bodies as a string`);
  }
}

function checkExpect(value: unknown): void {
  const expect = fields(value, 'expect', ['status', 'event', 'callRecord', 'body', 'callLink', 'callLinkPattern']);
  const nulls = Object.keys(expect).filter((key) => expect[key] === null);
  if (nulls.length > 0) throw new Error(`expect has null for ${nulls.join(', ')}: leave a key out to mean none`);
  const status = expect.status ?? 200;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new Error('expect.status must be an HTTP status');
  }
  if (status >= 400 && (expect.event !== undefined || expect.callRecord !== undefined)) {
    throw new Error('a refused request (status 4xx/5xx) cannot also expect an event or a callRecord');
  }
  for (const key of ['body', 'callLink', 'callLinkPattern'] as const) {
    if (expect[key] !== undefined && typeof expect[key] !== 'string') throw new Error(`expect.${key} must be text`);
  }
  if (typeof expect.callLinkPattern === 'string') {
    try {
      new RegExp(expect.callLinkPattern);
    } catch (error) {
      throw new Error(`expect.callLinkPattern is not a regular expression: ${(error as Error).message}`);
    }
  }
  if (expect.callLink !== undefined && expect.callLinkPattern !== undefined) {
    throw new Error('expect has both callLink and callLinkPattern; keep one');
  }
  const link =
    expect.callLink !== undefined ? 'callLink' : expect.callLinkPattern !== undefined ? 'callLinkPattern' : '';
  if (link && expect.callRecord === undefined) {
    throw new Error(`expect.${link} needs expect.callRecord: the link is made from its call data`);
  }
  // The expectation must itself be a valid module result, so a typo like direction "inn" is caught here.
  try {
    checkParseResult({ event: expect.event, callRecord: expect.callRecord });
  } catch (error) {
    throw new Error(`expect is not a valid module result: ${(error as Error).message}`);
  }
}

/** Checks one fixture's shape and returns it typed; errors start with `origin`. */
export function readFixture(value: unknown, origin: string): GoldenFixture {
  try {
    const fixture = fields(value, 'the fixture', ['name', 'source', 'before', 'request', 'expect']);
    if (typeof fixture.name !== 'string' || fixture.name.trim() === '') throw new Error('name must be non-empty text');
    if (fixture.source !== undefined && (typeof fixture.source !== 'string' || fixture.source.trim() === '')) {
      throw new Error('source must be non-empty text, e.g. the documentation section the payload comes from');
    }
    if (fixture.before !== undefined) {
      if (!Array.isArray(fixture.before)) throw new Error('before must be a list of requests');
      fixture.before.forEach((request, i) => checkRequest(request, `before[${i}]`));
    }
    checkRequest(fixture.request, 'request');
    checkExpect(fixture.expect);
    return fixture as unknown as GoldenFixture;
  } catch (error) {
    throw new Error(`${origin}: ${(error as Error).message}`, { cause: error });
  }
}

/** Every `*.json` file in `dir`, in file-name order. */
export function loadFixtures(dir: string): GoldenFixture[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`No *.json fixtures in ${dir}`);
  return files.map((file) => {
    const path = join(dir, file);
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    return { ...readFixture(value, path), file: path };
  });
}

/** The request a module sees for a fixture, as the webhook intake would build it. */
export function toFetchRequest(request: FixtureRequest, webhookUrl: string): FetchRequest {
  const path = request.path ?? '/';
  const url = new URL(webhookUrl.replace(/\/+$/, '') + (path === '/' ? '' : path));
  const query = Object.fromEntries(Object.entries(request.query ?? {}));
  for (const [key, value] of Object.entries(query)) url.searchParams.append(key, value);
  return {
    method: request.method.toUpperCase(),
    url: url.href,
    path,
    query,
    headers: makeHeaders(request.headers ?? {}),
    body: request.body ?? '',
  };
}

/** A copy of `request` with one header set, replacing any spelling of it. */
export function withHeader(request: FetchRequest, name: string, value: string | undefined): FetchRequest {
  const lower = name.toLowerCase();
  const kept = Object.entries(request.headers).filter(([key]) => key.toLowerCase() !== lower);
  return {
    ...request,
    headers: makeHeaders(Object.fromEntries(value === undefined ? kept : [...kept, [name, value]])),
  };
}
