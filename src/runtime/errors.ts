/**
 * The hub's one error class. Every failure a user or an API client can see is a `HubError` with a code
 * from a closed list; {@link HUB_ERRORS} gives each code its HTTP status, so routes never pick statuses.
 * Expected outcomes (a failed connection test, an ignored webhook) are values, not errors.
 */

export type HubErrorCode =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'no_extension'
  | 'module_timeout'
  | 'module_failed'
  | 'module_invalid_result'
  | 'provider_error'
  | 'internal';

export const HUB_ERRORS: Readonly<Record<HubErrorCode, { status: number; meaning: string }>> = {
  validation: { status: 400, meaning: 'The request is invalid; `field` names the value to fix.' },
  unauthorized: { status: 401, meaning: 'No valid session or API token.' },
  forbidden: { status: 403, meaning: 'Signed in, but this needs another role.' },
  not_found: { status: 404, meaning: 'The thing asked for does not exist.' },
  conflict: { status: 409, meaning: 'The change clashes with existing data, e.g. a duplicate.' },
  payload_too_large: { status: 413, meaning: 'The request body is over the limit.' },
  rate_limited: { status: 429, meaning: 'Too many requests; try again later.' },
  // 422, not 409: nothing clashes, the user's mapping just lacks what the request needs.
  no_extension: { status: 422, meaning: 'The user has no extension on that connection.' },
  module_timeout: { status: 504, meaning: 'The connector did not answer within the connection timeout.' },
  module_failed: { status: 502, meaning: 'The connector threw an unexpected error.' },
  module_invalid_result: { status: 502, meaning: 'The connector returned a result of the wrong shape.' },
  provider_error: { status: 502, meaning: "The provider failed; the message is the connector's, for the admin." },
  internal: { status: 500, meaning: 'A bug in Switchboard; the server log has details.' },
};

export interface HubErrorOptions {
  /** The underlying error, for the log; never shown to users. */
  cause?: unknown;
  /** Extra machine-readable facts for the log and API clients, e.g. a ConnectorError's kind. */
  details?: Record<string, unknown>;
}

/**
 * An error a user may see. `message` says what was wrong and what to do; `statusCode` follows from
 * `code` (Fastify's default error handler reads `statusCode`).
 * @example throw new HubError('validation', 'The timeout must be between 1 and 60 seconds', { field: 'timeoutMs' });
 * @example throw new HubError('not_found', 'There is no connection "abc": it may have been deleted');
 */
export class HubError extends Error {
  override readonly name = 'HubError';
  readonly statusCode: number;
  /** For `validation`: the field (or setting key) at fault. */
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: 'validation', message: string, options: HubErrorOptions & { field: string });
  constructor(code: Exclude<HubErrorCode, 'validation'>, message: string, options?: HubErrorOptions);
  constructor(
    readonly code: HubErrorCode,
    message: string,
    options: HubErrorOptions & { field?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = HUB_ERRORS[code].status;
    this.field = options.field;
    this.details = options.details;
  }

  /** The API body: no stack, no cause. */
  toJSON(): { code: HubErrorCode; message: string; field?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/**
 * Passes a `HubError` through; anything else is a bug, reported as `internal` with the original as cause.
 * @example reply.code(toHubError(err).statusCode)
 */
export function toHubError(error: unknown): HubError {
  if (error instanceof HubError) return error;
  return new HubError('internal', 'Something went wrong inside Switchboard. The server log has the details.', {
    cause: error,
  });
}
