/** JSON schemas of the connector and connection routes: input checks, output shape, OpenAPI. */
import { nullableTime, time } from '../schemas.js';

const policy = {
  type: 'string',
  enum: ['on_answer', 'on_ring', 'never'],
  description: 'When a caller who is not a contact becomes one: on answer, on ring, or never.',
} as const;

export const connectorSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    docsUrl: { type: 'string' },
    settings: {
      type: 'array',
      description: 'The settings form of a connection of this connector.',
      items: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          type: { type: 'string', enum: ['string', 'number', 'boolean', 'url'] },
          label: { type: 'string' },
          required: { type: 'boolean' },
          secret: { type: 'boolean', description: 'Stored encrypted; never shown again once saved.' },
          default: { type: ['string', 'number', 'boolean'] },
          help: { type: 'string' },
          options: {
            type: 'array',
            items: {
              type: 'object',
              properties: { value: { type: 'string' }, label: { type: 'string' } },
              required: ['value', 'label'],
            },
          },
        },
        required: ['key', 'type', 'label'],
      },
    },
  },
  required: ['id', 'name', 'docsUrl', 'settings'],
} as const;

const connectionProperties = {
  id: { type: 'string' },
  connectorId: { type: 'string' },
  name: { type: 'string' },
  enabled: { type: 'boolean' },
  settings: {
    type: 'object',
    description: 'Setting values by key; a secret that is set shows as {"set": true}, an unset one as null.',
    additionalProperties: true,
  },
  webhookUrl: { type: 'string', description: 'Give this URL to the provider.' },
  webhookToken: { type: 'string', description: 'The secret part of the webhook URL.' },
  timeoutMs: { type: 'integer' },
  defaultCountry: { type: 'string' },
  unknownCallerPolicy: policy,
  ownNumbers: { type: 'array', items: { type: 'string' } },
  createdAt: time,
  updatedAt: time,
  lastWebhookAt: { ...nullableTime, description: 'When the latest webhook arrived.' },
  errorsLastHour: { type: 'integer', description: 'Webhooks of the last hour that were rejected or failed.' },
  eventSource: {
    type: ['object', 'null'],
    description:
      'For connectors that keep a connection to the PBX (Asterisk AMI/ARI) instead of receiving webhooks: its state.',
    properties: {
      status: { type: 'string', enum: ['connecting', 'connected', 'disconnected', 'stopped'] },
      since: nullableTime,
      instance: { type: ['string', 'null'], description: 'The hub instance holding the connection.' },
      connectedAt: nullableTime,
      lastEventAt: nullableTime,
      lastError: { type: ['string', 'null'] },
      lastErrorAt: nullableTime,
      lastGap: {
        type: ['object', 'null'],
        description: 'The latest outage between two sessions: events in it were missed and open calls reconciled.',
        properties: { from: time, to: time },
        required: ['from', 'to'],
      },
      reconnects: { type: 'integer' },
    },
    required: [
      'status',
      'since',
      'instance',
      'connectedAt',
      'lastEventAt',
      'lastError',
      'lastErrorAt',
      'lastGap',
      'reconnects',
    ],
  },
} as const;

export const connectionSchema = {
  type: 'object',
  properties: connectionProperties,
  required: Object.keys(connectionProperties),
} as const;

/** Create, Save and rotate tell the module the webhook URL; its failure is reported, the change is kept. */
export const savedConnectionSchema = {
  type: 'object',
  properties: {
    ...connectionProperties,
    webhookUpdate: {
      type: 'object',
      description: 'Whether the module registered the webhook URL with the provider (VoipOnWebhookUpdated).',
      properties: { ok: { type: 'boolean' }, message: { type: 'string' } },
      required: ['ok'],
    },
  },
  required: [...Object.keys(connectionProperties), 'webhookUpdate'],
} as const;

const inputProperties = {
  connectorId: { type: 'string' },
  name: { type: 'string' },
  enabled: { type: 'boolean' },
  settings: {
    type: 'object',
    description:
      'Values by setting key. A secret left out or sent as {"set": true} keeps its value; null or "" clears a setting.',
    additionalProperties: true,
  },
  timeoutMs: { type: 'integer', description: 'Per module call, 100 to 120000 ms.' },
  defaultCountry: { type: 'string', description: 'For numbers without a country code, e.g. RU.' },
  unknownCallerPolicy: policy,
  ownNumbers: { type: 'array', items: { type: 'string' }, description: "The company's own numbers." },
} as const;

export const createConnectionBody = {
  type: 'object',
  properties: inputProperties,
  required: ['connectorId'],
  additionalProperties: false,
} as const;

export const updateConnectionBody = {
  type: 'object',
  properties: inputProperties,
  additionalProperties: false,
} as const;

export const testResultSchema = {
  type: 'object',
  properties: { success: { type: 'boolean' }, failReason: { type: 'string' } },
  required: ['success'],
} as const;

export const membersSchema = {
  type: 'array',
  description: "The PBX's users as the provider lists them; `id` is what bindings call the extension.",
  items: {
    type: 'object',
    properties: { id: { type: 'string' }, label: { type: 'string' } },
    required: ['id', 'label'],
  },
} as const;

export const bindingsSchema = {
  type: 'array',
  description: 'Which user answers at which extension.',
  items: {
    type: 'object',
    properties: { extension: { type: 'string', minLength: 1 }, userId: { type: 'string', minLength: 1 } },
    required: ['extension', 'userId'],
    additionalProperties: false,
  },
} as const;
