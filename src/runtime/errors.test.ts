import { describe, expect, it } from 'vitest';
import { HUB_ERRORS, HubError, toHubError, type HubErrorCode } from './errors.js';

describe('HubError', () => {
  it.each<[HubErrorCode, number]>([
    ['validation', 400],
    ['unauthorized', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['conflict', 409],
    ['payload_too_large', 413],
    ['no_extension', 422],
    ['rate_limited', 429],
    ['internal', 500],
    ['module_failed', 502],
    ['module_invalid_result', 502],
    ['provider_error', 502],
    ['module_timeout', 504],
  ])('%s answers %i', (code, status) => {
    const error = code === 'validation' ? new HubError(code, 'x', { field: 'f' }) : new HubError(code, 'x');
    expect(error.statusCode).toBe(status);
    expect(HUB_ERRORS[code].status).toBe(status);
  });

  it('names the field of a validation error and serialises without stack or cause', () => {
    const cause = new Error('inner');
    const error = new HubError('validation', 'The timeout must be between 1 and 60 seconds', {
      field: 'timeoutMs',
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('HubError');
    expect(error.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'validation',
      message: 'The timeout must be between 1 and 60 seconds',
      field: 'timeoutMs',
    });
  });

  it('needs a field for validation errors', () => {
    // @ts-expect-error a validation error must name its field
    expect(new HubError('validation', 'x').field).toBeUndefined();
  });

  it('passes HubErrors through and hides anything else behind internal', () => {
    const known = new HubError('not_found', 'There is no connection "c1"');
    expect(toHubError(known)).toBe(known);
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    const wrapped = toHubError(bug);
    expect(wrapped.code).toBe('internal');
    expect(wrapped.message).not.toContain('undefined');
    expect(wrapped.cause).toBe(bug);
  });
});
