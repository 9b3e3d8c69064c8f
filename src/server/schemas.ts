/**
 * What route schemas share: the error body, common pieces, and the formatter that turns a schema
 * violation into a `HubError` naming the field. Route schemas validate input, shape the output and
 * feed the OpenAPI document (/api/v1/openapi.json).
 */
import type { FastifySchemaValidationError } from 'fastify';
import { HUB_ERRORS, HubError } from '../runtime/errors.js';

export const errorBody = {
  $id: 'Error',
  type: 'object',
  description: 'Every error has this shape; `code` says what kind of error it is, `field` names a bad input.',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', enum: Object.keys(HUB_ERRORS) },
        message: { type: 'string' },
        field: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

/** The error responses every route can give; `errorBody` is added to the app by `registerApiDocs`. */
export const errorResponses = { '4xx': { $ref: 'Error#' }, '5xx': { $ref: 'Error#' } } as const;

export const time = { type: 'string', format: 'date-time' } as const;
export const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1 } },
  required: ['id'],
} as const;

/**
 * `body.settings.apiUrl must be string` becomes a 400 with `field: 'settings.apiUrl'`; array items read
 * `bindings[0].userId` as the runtime's own validation errors do.
 */
export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0];
  const missing = first?.params.missingProperty;
  const segments = (first?.instancePath ?? '').split('/').filter(Boolean);
  if (typeof missing === 'string') segments.push(missing);
  const field =
    segments
      .map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
      .join('') || (dataVar === 'querystring' ? 'query' : dataVar);
  return new HubError('validation', `${field} ${describe(first)}`, { field });
}

function describe(error: FastifySchemaValidationError | undefined): string {
  if (!error) return 'is invalid';
  const allowed = error.params.allowedValues;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'enum':
      return Array.isArray(allowed) ? `must be one of ${allowed.join(', ')}` : 'is not one of the allowed values';
    default:
      return error.message ?? 'is invalid';
  }
}
