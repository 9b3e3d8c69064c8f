/** HTTP types a module sees: the webhook request it parses and the response it returns. */

/**
 * Request headers. Lookups work with any casing — scripts written for ELMA365 read
 * `request.headers['Content-Type']` while Node delivers `content-type` — so build them with {@link makeHeaders}.
 */
export type HeaderMap = Record<string, string>;

/**
 * A webhook request as a module receives it.
 * @example
 * if (request.headers['Content-Type'] !== 'application/json') return { response: new HttpResponse().status(400) };
 * const payload = JSON.parse(request.body ?? '');
 */
export interface FetchRequest {
  method: string;
  /** The full URL the PBX called. */
  url: string;
  /** The part below the connection's webhook URL, e.g. `/events/call`; `/` when none. */
  path: string;
  query: Record<string, string>;
  headers: HeaderMap;
  /** The body exactly as received (url-encoded and JSON bodies alike); `''` when empty. */
  body?: string;
}

/**
 * Makes a header map whose lookups ignore case, keeping the sender's spelling for enumeration.
 * @example makeHeaders({ 'content-type': 'text/plain' })['Content-Type'] // 'text/plain'
 */
export function makeHeaders(init: Record<string, string | string[] | undefined>): HeaderMap {
  const target: HeaderMap = {};
  for (const [name, value] of Object.entries(init)) {
    if (value !== undefined) target[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const find = (name: string): string | undefined => {
    const lower = name.toLowerCase();
    return Object.keys(target).find((key) => key.toLowerCase() === lower);
  };
  return new Proxy(target, {
    get: (obj, name) => (typeof name === 'string' ? obj[find(name) ?? name] : undefined),
    has: (_obj, name) => typeof name === 'string' && find(name) !== undefined,
  });
}

/**
 * HTTP status codes by ELMA365's names.
 * @example new HttpResponse().status(HttpStatusCode.NOT_FOUND)
 */
export enum HttpStatusCode {
  OK = 200,
  CREATED = 201,
  ACCEPTED = 202,
  NO_CONTENT = 204,
  MOVED_PERMANENTLY = 301,
  FOUND = 302,
  BAD_REQUEST = 400,
  UNAUTHORIZED = 401,
  FORBIDDEN = 403,
  NOT_FOUND = 404,
  METHOD_NOT_ALLOWED = 405,
  CONFLICT = 409,
  UNPROCESSABLE_ENTITY = 422,
  TOO_MANY_REQUESTS = 429,
  INTERNAL_SERVER_ERROR = 500,
  BAD_GATEWAY = 502,
  SERVICE_UNAVAILABLE = 503,
  GATEWAY_TIMEOUT = 504,
}

/**
 * The HTTP response a module hands back to the PBX. Setters chain.
 * @example new HttpResponse().status(400).content(JSON.stringify({ error: 'bad body' }))
 * @example new HttpResponse().json({ ok: true }) // sets Content-Type: application/json
 */
export class HttpResponse {
  statusCode: number = HttpStatusCode.OK;
  body = '';
  headers: Record<string, string> = {};

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  content(body: string): this {
    this.body = body;
    return this;
  }

  json(value: unknown): this {
    this.body = JSON.stringify(value);
    return this.header('Content-Type', 'application/json');
  }

  header(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }
}
