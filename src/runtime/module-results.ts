/**
 * Checks what a module returned against the contract and hands back a clean copy: known fields only,
 * absent optionals dropped, `response` as a real `HttpResponse`. A module written in plain JavaScript
 * (an ELMA365 script) can return anything, so every problem is reported with the function and the field,
 * e.g. "VoipGetMembers returned 3 members without an id"; the runner turns it into `module_invalid_result`.
 */
import {
  HttpResponse,
  MAX_CALL_DURATION_SECONDS,
  VoipCallDirection,
  VoipCallDisposition,
  VoipWebhookEvent,
  type RecordingAudio,
  type VoipCallRecord,
  type VoipGenerateCallResult,
  type VoipMember,
  type VoipTestConnectionResult,
  type VoipWebhookParseResult,
  type VoipWebhookRequest,
} from '../contract/index.js';

type Fields = Record<string, unknown>;

/** A result that breaks the contract; the message names the function and what was wrong. */
export class ResultShapeError extends Error {
  override readonly name = 'ResultShapeError';
}

function invalid(problem: string): ResultShapeError {
  return new ResultShapeError(problem);
}

/** A value as it appears in a message: strings quoted, long ones cut. */
function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeKind(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${what} that is ${describeKind(value)}, not text`);
  return value;
}

function oneOf<T extends string>(allowed: Record<string, T>, value: unknown, what: string): T {
  const values = Object.values(allowed);
  if (!values.includes(value as T)) {
    throw invalid(`${what} ${preview(value)} (expected one of ${values.join(', ')})`);
  }
  return value as T;
}

function requiredText(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalid(`${what} that is ${describeKind(value)}, not text`);
  return value;
}

function withOptionals<T extends object>(base: T, optionals: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(optionals)) {
    if (value !== undefined) Object.assign(base, { [key]: value });
  }
  return base;
}

/** `VoipTestConnection` must return `{ success: boolean, failReason?: string }`. */
export function checkTestConnectionResult(value: unknown): VoipTestConnectionResult {
  if (!isObject(value)) throw invalid(`VoipTestConnection returned ${describeKind(value)} instead of { success }`);
  if (typeof value.success !== 'boolean') {
    throw invalid(`VoipTestConnection returned success ${preview(value.success)} instead of true or false`);
  }
  const failReason = optionalString(value.failReason, 'VoipTestConnection returned a failReason');
  return failReason === undefined ? { success: value.success } : { success: value.success, failReason };
}

/**
 * `VoipGetMembers` must return `[{ id, label }]`. Ids that are finite numbers are turned into strings:
 * PBX APIs often send extensions as JSON numbers and the mapping only ever compares text.
 */
export function checkMembers(value: unknown): VoipMember[] {
  if (!Array.isArray(value)) throw invalid(`VoipGetMembers returned ${describeKind(value)} instead of a list`);
  const counts = { notObjects: 0, noId: 0, noLabel: 0 };
  const members: VoipMember[] = [];
  for (const item of value) {
    if (!isObject(item)) {
      counts.notObjects++;
      continue;
    }
    const id = typeof item.id === 'number' && Number.isFinite(item.id) ? String(item.id) : item.id;
    if (typeof id !== 'string' || id === '') counts.noId++;
    if (typeof item.label !== 'string') counts.noLabel++;
    if (typeof id === 'string' && id !== '' && typeof item.label === 'string') members.push({ id, label: item.label });
  }
  const problems = [
    counts.notObjects &&
      count(
        counts.notObjects,
        'entry that is not an { id, label } object',
        'entries that are not { id, label } objects',
      ),
    counts.noId && count(counts.noId, 'member without an id', 'members without an id'),
    counts.noLabel && count(counts.noLabel, 'member without a text label', 'members without a text label'),
  ].filter(Boolean);
  if (problems.length > 0) throw invalid(`VoipGetMembers returned ${problems.join(' and ')}`);
  return members;
}

function checkEvent(value: Fields): VoipWebhookRequest {
  const what = 'VoipParseWebhookRequest returned an event with';
  const event: VoipWebhookRequest = {
    event: oneOf(VoipWebhookEvent, value.event, `${what} an unknown event type`),
    direction: oneOf(VoipCallDirection, value.direction, `${what} an unknown direction`),
    srcPhone: requiredText(value.srcPhone, `${what} a srcPhone`),
    dstPhone: requiredText(value.dstPhone, `${what} a dstPhone`),
    disposition: oneOf(VoipCallDisposition, value.disposition, `${what} an unknown disposition`),
  };
  return withOptionals(event, {
    callId: optionalString(value.callId, `${what} a callId`),
    srcPhoneExt: optionalString(value.srcPhoneExt, `${what} a srcPhoneExt`),
    dstPhoneExt: optionalString(value.dstPhoneExt, `${what} a dstPhoneExt`),
    occurredAt: optionalTime(value.occurredAt, `${what} an occurredAt`),
  });
}

/** A provider time as ISO-8601 UTC with milliseconds, so that times compare as text. */
function optionalTime(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw invalid(`${what} ${preview(value)} (expected an ISO-8601 time or Unix milliseconds)`);
  }
  return new Date(ms).toISOString();
}

function checkCallRecord(value: Fields): VoipCallRecord {
  const what = 'VoipParseWebhookRequest returned a callRecord with';
  const { duration } = value;
  if (typeof duration !== 'number' || !(duration >= 0 && duration <= MAX_CALL_DURATION_SECONDS)) {
    throw invalid(`${what} duration ${preview(duration)} (expected seconds, from 0 to ${MAX_CALL_DURATION_SECONDS})`);
  }
  let call: unknown;
  try {
    // `call` is stored as JSON and handed back to VoipGetCallLink later; check now that it survives that.
    const json = JSON.stringify(value.call);
    call = json === undefined ? null : JSON.parse(json);
  } catch {
    throw invalid(`${what} call data that cannot be stored as JSON`);
  }
  const record: VoipCallRecord = {
    srcPhone: requiredText(value.srcPhone, `${what} a srcPhone`),
    dstPhone: requiredText(value.dstPhone, `${what} a dstPhone`),
    direction: oneOf(VoipCallDirection, value.direction, `${what} an unknown direction`),
    duration,
    disposition: oneOf(VoipCallDisposition, value.disposition, `${what} an unknown disposition`),
    call,
  };
  return withOptionals(record, {
    callId: optionalString(value.callId, `${what} a callId`),
    srcPhoneExt: optionalString(value.srcPhoneExt, `${what} a srcPhoneExt`),
    dstPhoneExt: optionalString(value.dstPhoneExt, `${what} a dstPhoneExt`),
    details: optionalDetails(value.details, `${what} details`),
  });
}

/** `details`: at most 20 entries of short names and short text, numbers or booleans. */
function optionalDetails(value: unknown, what: string): Record<string, string | number | boolean> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid(`${what} that are ${describeKind(value)}, not an object`);
  const entries = Object.entries(value);
  if (entries.length > 20) throw invalid(`${what} with ${entries.length} entries (at most 20)`);
  for (const [key, item] of entries) {
    const fits =
      (typeof item === 'string' && item.length <= 500) ||
      (typeof item === 'number' && Number.isFinite(item)) ||
      typeof item === 'boolean';
    if (!/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(key) || !fits) {
      throw invalid(
        `${what} with ${preview(key)}: ${preview(item)} (expected a short name and short text, a number or a boolean)`,
      );
    }
  }
  return { ...(value as Record<string, string | number | boolean>) };
}

function checkResponse(value: Fields): HttpResponse {
  const what = 'VoipParseWebhookRequest returned a response with';
  const { statusCode, body, headers } = value;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw invalid(`${what} status ${preview(statusCode)} (expected an HTTP status from 100 to 599)`);
  }
  if (typeof body !== 'string') throw invalid(`${what} a body that is ${describeKind(body)}, not text`);
  if (!isObject(headers)) throw invalid(`${what} headers that are ${describeKind(headers)}, not an object`);
  const response = new HttpResponse().status(statusCode).content(body);
  for (const [name, headerValue] of Object.entries(headers)) {
    if (typeof headerValue !== 'string') throw invalid(`${what} header ${name} that is not text`);
    response.header(name, headerValue);
  }
  return response;
}

/**
 * `VoipParseWebhookRequest` must return `{ event?, callRecord?, response? }`; enum fields must hold the
 * contract's values, so a typo in a module shows up here rather than as a call stuck in "ringing".
 */
export function checkParseResult(value: unknown): VoipWebhookParseResult {
  if (!isObject(value)) {
    throw invalid(`VoipParseWebhookRequest returned ${describeKind(value)} instead of { event, callRecord, response }`);
  }
  const result: VoipWebhookParseResult = {};
  for (const key of ['event', 'callRecord', 'response', 'generateCallResult'] as const) {
    const part = value[key];
    if (part === undefined || part === null) continue;
    if (!isObject(part)) throw invalid(`VoipParseWebhookRequest returned ${describeKind(part)} as ${key}`);
    if (key === 'event') result.event = checkEvent(part);
    if (key === 'callRecord') result.callRecord = checkCallRecord(part);
    if (key === 'response') result.response = checkResponse(part);
    if (key === 'generateCallResult') result.generateCallResult = checkGenerateCallResult(part);
  }
  return result;
}

function checkGenerateCallResult(value: Fields): VoipGenerateCallResult {
  const what = 'VoipParseWebhookRequest returned a generateCallResult with';
  if (typeof value.success !== 'boolean')
    throw invalid(`${what} success ${preview(value.success)} instead of true or false`);
  const result: VoipGenerateCallResult = {
    srcPhone: requiredText(value.srcPhone, `${what} a srcPhone`),
    dstPhone: requiredText(value.dstPhone, `${what} a dstPhone`),
    success: value.success,
  };
  return withOptionals(result, { failReason: optionalString(value.failReason, `${what} a failReason`) });
}

/** `VoipGetCallLink` must return an absolute http(s) URL the browser can play. */
export function checkCallLink(value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw invalid(`VoipGetCallLink returned ${describeKind(value === '' ? undefined : value)} instead of a URL`);
  }
  const protocol = URL.canParse(value) ? new URL(value).protocol : '';
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw invalid(`VoipGetCallLink returned ${preview(value)}, which is not an http(s) URL`);
  }
  return value;
}

/** `fetchRecording` gives undefined (no audio: ask for a link) or a media type and a readable body. */
export function checkRecordingAudio(value: unknown): RecordingAudio | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw invalid(`fetchRecording returned ${describeKind(value)} instead of the audio`);
  try {
    return checkAudioFields(value);
  } catch (error) {
    // The PBX's answer is not read: let its connection go.
    if (value.body instanceof ReadableStream) void value.body.cancel().catch(() => undefined);
    throw error;
  }
}

function checkAudioFields(value: Fields): RecordingAudio {
  const contentType = requiredText(value.contentType, 'fetchRecording returned audio with a contentType');
  if (!/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(contentType)) {
    throw invalid(`fetchRecording returned the content type ${preview(contentType)}, which is not a media type`);
  }
  const length = value.contentLength;
  if (length !== undefined && (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)) {
    throw invalid(`fetchRecording returned the length ${preview(length)}, which is not a number of bytes`);
  }
  if (!(value.body instanceof ReadableStream)) {
    throw invalid(`fetchRecording returned ${describeKind(value.body)} as the body instead of a ReadableStream`);
  }
  return { contentType, ...(length === undefined ? {} : { contentLength: length }), body: value.body };
}
