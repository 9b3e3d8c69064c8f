/**
 * Verifying and parsing the fake PBX's webhooks. Pure: no I/O, no clock; the signature is checked on
 * the raw body before anything is parsed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  HttpResponse,
  HttpStatusCode,
  MAX_CALL_DURATION_SECONDS,
  VoipCallDirection,
  VoipCallDisposition,
  VoipWebhookEvent,
  type FetchRequest,
  type VoipWebhookParseResult,
} from '../../contract/index.js';
import type { FakeCallData, FakeDirection, FakeEventType, FakeWebhookPayload } from './fake-types.js';

export const FAKE_SIGNATURE_HEADER = 'X-Fake-Signature';

const EVENTS: Record<Exclude<FakeEventType, 'record'>, VoipWebhookEvent> = {
  start: VoipWebhookEvent.NotifyStart,
  answer: VoipWebhookEvent.NotifyAnswer,
  end: VoipWebhookEvent.NotifyEnd,
};

const DIRECTIONS: Record<FakeDirection, VoipCallDirection> = {
  in: VoipCallDirection.In,
  out: VoipCallDirection.Out,
  internal: VoipCallDirection.Internal,
};

const DISPOSITIONS: Record<'answered' | 'busy' | 'cancel' | 'no_answer', VoipCallDisposition> = {
  answered: VoipCallDisposition.Answered,
  busy: VoipCallDisposition.Busy,
  cancel: VoipCallDisposition.Cancel,
  no_answer: VoipCallDisposition.NoAnswer,
};

/** The signature the fake PBX sends: hex HMAC-SHA256 of the raw body. */
export function signFakeBody(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** Constant-time check of `X-Fake-Signature` against the raw body. */
export function verifyFakeSignature(body: string, signature: string | undefined, secret: string): boolean {
  if (signature === undefined || !/^[0-9a-f]{64}$/i.test(signature.trim())) return false;
  return timingSafeEqual(Buffer.from(signature.trim(), 'hex'), Buffer.from(signFakeBody(body, secret), 'hex'));
}

function refuse(status: number, error: string): VoipWebhookParseResult {
  return { response: new HttpResponse().status(status).json({ error }) };
}

function has<K extends string>(table: Record<K, unknown>, key: unknown): key is K {
  return typeof key === 'string' && Object.hasOwn(table, key);
}

/** The payload with every field checked, `{ ignored }` for an event type we do not know, or a problem. */
function readPayload(json: unknown): FakeWebhookPayload | { ignored: string } | string {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'The body must be a JSON object';
  const body = json as Record<string, unknown>;
  if (typeof body.type !== 'string') return 'type must be text: start, answer, end or record';
  if (body.type !== 'record' && !has(EVENTS, body.type)) return { ignored: body.type };
  if (!has(DIRECTIONS, body.direction)) return 'direction must be in, out or internal';
  for (const key of ['from', 'to'] as const) {
    if (typeof body[key] !== 'string' || body[key] === '') {
      return `${key} must be a non-empty phone number or extension`;
    }
  }
  for (const key of ['callId', 'disposition', 'recording'] as const) {
    if (body[key] !== undefined && typeof body[key] !== 'string') return `${key} must be text when present`;
  }
  const { duration, recording } = body;
  if (
    duration !== undefined &&
    (typeof duration !== 'number' || !(duration >= 0 && duration <= MAX_CALL_DURATION_SECONDS))
  ) {
    return `duration must be a number of seconds, from 0 to ${MAX_CALL_DURATION_SECONDS}`;
  }
  if (body.type === 'record') {
    if (duration === undefined) return 'A record needs a duration';
    if (typeof recording !== 'string' || !/^https?:\/\//.test(recording) || !URL.canParse(recording)) {
      return 'A record needs the recording as an http(s) URL';
    }
  }
  return body as unknown as FakeWebhookPayload;
}

function parseEcho(request: FetchRequest): VoipWebhookParseResult {
  const echo = request.query.x;
  if (echo === undefined) return refuse(HttpStatusCode.BAD_REQUEST, 'The echo needs a query parameter x');
  const response = new HttpResponse()
    .header('Content-Type', 'text/plain; charset=utf-8')
    .header('X-Content-Type-Options', 'nosniff')
    .content(echo);
  return { response };
}

/**
 * `GET /echo?x=…` answers `x`; a signed JSON `POST` becomes an event or a call record.
 * Forged requests get 401 and malformed ones 400, both without an event.
 */
export function parseFakeWebhook(request: FetchRequest, secret: string): VoipWebhookParseResult {
  if (request.method === 'GET' && request.path === '/echo') return parseEcho(request);
  if (request.method !== 'POST') {
    const refused = refuse(
      HttpStatusCode.METHOD_NOT_ALLOWED,
      `The fake PBX only POSTs webhooks, not ${request.method}`,
    );
    refused.response?.header('Allow', 'POST');
    return refused;
  }
  const contentType = (request.headers['Content-Type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    return refuse(HttpStatusCode.BAD_REQUEST, 'Webhooks must be JSON with Content-Type: application/json');
  }
  const body = request.body ?? '';
  if (!verifyFakeSignature(body, request.headers[FAKE_SIGNATURE_HEADER], secret)) {
    return refuse(
      HttpStatusCode.UNAUTHORIZED,
      'X-Fake-Signature does not match the body: check the secret on both sides',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return refuse(HttpStatusCode.BAD_REQUEST, 'The body is not valid JSON');
  }
  const payload = readPayload(json);
  if (typeof payload === 'string') return refuse(HttpStatusCode.BAD_REQUEST, payload);
  // An event type from a newer PBX: acknowledge it so the PBX does not retry, but report nothing.
  if ('ignored' in payload) return { response: new HttpResponse().json({ ok: true, ignored: payload.ignored }) };

  const disposition = has(DISPOSITIONS, payload.disposition)
    ? DISPOSITIONS[payload.disposition]
    : VoipCallDisposition.Unknown;
  const callId = payload.callId === undefined ? {} : { callId: payload.callId };
  const common = { direction: DIRECTIONS[payload.direction], srcPhone: payload.from, dstPhone: payload.to, ...callId };
  const response = new HttpResponse().json({ ok: true });
  if (payload.type === 'record') {
    const call: FakeCallData = { recording: payload.recording ?? '' };
    return { callRecord: { ...common, duration: payload.duration ?? 0, disposition, call }, response };
  }
  // The stage events carry no outcome until the end, as the contract asks.
  const stageDisposition = payload.type === 'end' ? disposition : VoipCallDisposition.Unknown;
  return { event: { event: EVENTS[payload.type], ...common, disposition: stageDisposition }, response };
}
