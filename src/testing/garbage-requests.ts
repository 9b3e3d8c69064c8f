/**
 * Odd webhook requests for the conformance suite: bodies no provider sends, wrong methods and paths
 * (`refused`: the module must answer 4xx and report nothing), and real payloads with one field
 * removed or of the wrong JSON type (`mutated`: the module must not throw; it may accept or refuse).
 */
import type { FetchRequest } from '../contract/index.js';
import { toFetchRequest, withHeader, type GoldenFixture } from './golden-fixtures.js';

export interface GarbageCase {
  name: string;
  request: FetchRequest;
}

const BODIES: Array<[string, string]> = [
  ['empty', ''],
  ['a space', ' '],
  ['null', 'null'],
  ['true', 'true'],
  ['a number', '0'],
  ['a JSON string', '"text"'],
  ['an empty list', '[]'],
  ['an empty object', '{}'],
  ['a list of numbers', '[1,2,3]'],
  ['cut-off JSON', '{"type":'],
  ['reversed braces', '}{'],
  ['a __proto__ key', '{"__proto__":{"polluted":true}}'],
  ['an overflowing number', '1e999'],
  ['broken url-encoding', 'a=b&c=%ZZ&&='],
  ['control characters', '\u0000\u0001\u0002\u0003'],
  ['lone surrogates', '\ud800\udfff\ud800'],
  ['a byte-order mark', '\ufeff{}'],
  ['XML', '<?xml version="1.0"?><call/>'],
  ['deep nesting', '['.repeat(5000) + ']'.repeat(5000)],
  ['1 MB of letters', 'x'.repeat(1_000_000)],
];

const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded', undefined];

const WRONG_VALUES: Array<[string, unknown]> = [
  ['null', null],
  ['0', 0],
  ['-1', -1],
  ['1e308', 1e308],
  ['true', true],
  ['[]', []],
  ['{}', {}],
  ['""', ''],
  ['a 10 kB string', 'x'.repeat(10_000)],
  // Lookups like `TABLE[value]` find Object.prototype members for these.
  ['"constructor"', 'constructor'],
  ['"__proto__"', '__proto__'],
];

/**
 * @param template an accepted request whose headers (tokens, user agents) the garbage keeps
 * @param sign re-signs a request, so garbage reaches the parser past the signature check
 */
export function refusedRequests(
  webhookUrl: string,
  template: FetchRequest,
  sign: (request: FetchRequest) => FetchRequest = (request) => request,
): GarbageCase[] {
  const cases: GarbageCase[] = [];
  const post = (name: string, body: string, contentType: string | undefined, path = '/', query = {}) => {
    const base = { ...toFetchRequest({ method: 'POST', path, query, body }, webhookUrl), headers: template.headers };
    cases.push({ name, request: sign(withHeader(base, 'Content-Type', contentType)) });
  };
  for (const [what, body] of BODIES) {
    for (const contentType of CONTENT_TYPES)
      post(`POST ${what} as ${contentType ?? 'no content type'}`, body, contentType);
  }
  post('POST plain text', 'hello', 'text/plain');
  post('POST multipart', '--x\r\n\r\n--x--', 'multipart/form-data; boundary=x');
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
    const request = { ...toFetchRequest({ method }, webhookUrl), headers: template.headers };
    cases.push({ name: `${method} with no body`, request: sign(request) });
  }
  post('POST {} to a path with dots', '{}', 'application/json', '/../../etc/passwd');
  post('POST {} to a path with a NUL', '{}', 'application/json', '/%00');
  post('POST {} to a very long path', '{}', 'application/json', `/${'a'.repeat(2000)}`);
  const query = Object.fromEntries([
    ['__proto__', 'x'],
    ['constructor', 'y'],
  ]);
  post('POST {} with prototype keys in the query', '{}', 'application/json', '/', query);
  return cases;
}

function mutateJson(body: string): Array<[string, string]> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const payload = value as Record<string, unknown>;
  return Object.keys(payload).flatMap((key): Array<[string, string]> => {
    const { [key]: _removed, ...rest } = payload;
    return [
      [`without ${key}`, JSON.stringify(rest)],
      ...WRONG_VALUES.map(([what, wrong]): [string, string] => [
        `${key} = ${what}`,
        JSON.stringify({ ...payload, [key]: wrong }),
      ]),
    ];
  });
}

/** Each field removed or replaced; a field holding a JSON object (Mango's `json`) is mutated inside too. */
function mutateForm(body: string): Array<[string, string]> {
  const form = new URLSearchParams(body);
  const changed = (key: string, value: string) => {
    const copy = new URLSearchParams(form);
    copy.set(key, value);
    return copy.toString();
  };
  return [...new Set(form.keys())].flatMap((key): Array<[string, string]> => {
    const without = new URLSearchParams(form);
    without.delete(key);
    return [
      [`without ${key}`, without.toString()],
      ...['', 'x'.repeat(10_000), '\u0000', '%ZZ', 'constructor', '__proto__'].map((wrong): [string, string] => [
        `${key} = ${JSON.stringify(wrong.slice(0, 8))}`,
        changed(key, wrong),
      ]),
      ...mutateJson(form.get(key) ?? '').map(([what, json]): [string, string] => [
        `${key}: ${what}`,
        changed(key, json),
      ]),
    ];
  });
}

/**
 * Each accepted fixture's JSON or url-encoded body with one field removed or replaced by a wrong type
 * (top-level fields, and those of a JSON object inside a form field).
 */
export function mutatedRequests(
  webhookUrl: string,
  fixtures: GoldenFixture[],
  sign: (request: FetchRequest) => FetchRequest = (request) => request,
): GarbageCase[] {
  return fixtures.flatMap((fixture) => {
    const request = toFetchRequest(fixture.request, webhookUrl);
    const body = request.body ?? '';
    const form = /x-www-form-urlencoded/i.test(request.headers['Content-Type'] ?? '');
    return (form ? mutateForm(body) : mutateJson(body)).map(([what, mutated]) => ({
      name: `${fixture.name}: ${what}`,
      request: sign({ ...request, body: mutated }),
    }));
  });
}
