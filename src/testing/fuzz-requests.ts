/**
 * Generated webhook requests for the property checks of the conformance suite (fast-check): random
 * bodies of every kind, and the connector's own accepted fixtures cut short or with any value deep inside
 * replaced, removed or retyped — most of them re-signed, so they reach the parser past the signature check.
 */
import fc from 'fast-check';
import type { FetchRequest } from '../contract/index.js';
import { toFetchRequest, withHeader, type GoldenFixture } from './golden-fixtures.js';

export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

type Json = unknown;

const contentTypes = fc.constantFrom(
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/json; charset=windows-1251',
  '',
);

const anyBody = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => new URLSearchParams({ json: JSON.stringify(value) }).toString()),
  fc
    .dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 }), { maxKeys: 8 })
    .map((fields) => new URLSearchParams(fields).toString()),
);

/** Replaces, removes or retypes one value at a random depth of a JSON document. */
function mutateValue(value: Json, path: number[], replacement: Json, remove: boolean): Json {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const entries = Array.isArray(value) ? value.map((item, i) => [String(i), item] as const) : Object.entries(value);
  if (entries.length === 0) return replacement;
  const [key] = entries[path[0]! % entries.length]!;
  const copy: Record<string, Json> | Json[] = Array.isArray(value) ? [...value] : { ...(value as object) };
  const inner = mutateValue((copy as Record<string, Json>)[key], path.slice(1), replacement, remove);
  if (remove && path.length === 1 && !Array.isArray(copy)) delete copy[key];
  else (copy as Record<string, Json>)[key] = inner;
  return copy;
}

/** JSON bodies, and url-encoded forms whose fields may hold JSON, mutated deep inside. */
function mutateBody(body: string, path: number[], replacement: Json, remove: boolean): string {
  try {
    return JSON.stringify(mutateValue(JSON.parse(body) as Json, path, replacement, remove));
  } catch {
    const form = new URLSearchParams(body);
    const keys = [...form.keys()];
    if (keys.length === 0) return body;
    const key = keys[path[0]! % keys.length]!;
    if (remove && path.length === 1) {
      form.delete(key);
      return form.toString();
    }
    let inner: string;
    try {
      inner = JSON.stringify(mutateValue(JSON.parse(form.get(key) ?? '') as Json, path.slice(1), replacement, remove));
    } catch {
      inner = typeof replacement === 'string' ? replacement : JSON.stringify(replacement);
    }
    form.set(key, inner);
    return form.toString();
  }
}

/**
 * @param fixtures the connector's accepted fixtures, whose headers and paths the generated requests keep
 * @param sign re-signs a request after its body changed
 */
export function fuzzRequests(
  webhookUrl: string,
  fixtures: GoldenFixture[],
  sign: (request: FetchRequest) => FetchRequest = (request) => request,
): fc.Arbitrary<FetchRequest> {
  const templates = fixtures.map((fixture) => toFetchRequest(fixture.request, webhookUrl));
  if (templates.length === 0) templates.push(toFetchRequest({ method: 'POST' }, webhookUrl));
  const template = fc.constantFrom(...templates);

  const mutated = fc
    .record({
      request: template,
      path: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
      replacement: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('__proto__', 'constructor', 1e308, -1)),
      remove: fc.boolean(),
    })
    .map(({ request, path, replacement, remove }) => ({
      ...request,
      body: mutateBody(request.body ?? '', path, replacement, remove),
    }));
  const truncated = fc.record({ request: template, at: fc.nat() }).map(({ request, at }) => ({
    ...request,
    body: (request.body ?? '').slice(0, at % ((request.body ?? '').length + 1)),
  }));
  const random = fc
    .record({
      request: template,
      body: anyBody,
      type: contentTypes,
      method: fc.constantFrom('POST', 'GET', 'PUT'),
      path: fc.constantFrom('/', '/events/call', '/x/../..', '/%00', '/result/callback'),
    })
    .map(({ request, body, type, method, path }) => ({
      ...withHeader(request, 'Content-Type', type),
      method,
      path,
      url: `${webhookUrl.replace(/\/+$/, '')}${path === '/' ? '' : path}`,
      body,
    }));

  return fc
    .record({ request: fc.oneof(mutated, truncated, random), signed: fc.boolean() })
    .map(({ request, signed }) => (signed ? sign(request) : request));
}
