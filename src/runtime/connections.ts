/**
 * Connections: a configured connector plus its webhook token, settings and incoming-call policy.
 * The admin's buttons land here: Test connection, Configure (members), Save (VoipOnWebhookUpdated).
 */
import type {
  ConnectorDefinition,
  ContactLookupResult,
  ModuleStorage,
  VoipMember,
  VoipTestConnectionResult,
} from '../contract/index.js';
import type { Binding, Connection, Repositories, UnknownCallerPolicy } from '../storage/index.js';
import { mergeSettings, openSettings, publicSettings, type PublicSettings } from './connection-settings.js';
import { lookupContact } from './contacts.js';
import { newSecret } from './credentials.js';
import { HubError } from './errors.js';
import { isoNow, type HubContext } from './hub-context.js';
import { ModuleRunner } from './module-runner.js';
import { isKnownCountry, normalizePhone } from './phone.js';

export interface ConnectionView {
  id: string;
  connectorId: string;
  name: string;
  enabled: boolean;
  settings: PublicSettings;
  webhookUrl: string;
  webhookToken: string;
  timeoutMs: number;
  defaultCountry: string;
  unknownCallerPolicy: UnknownCallerPolicy;
  ownNumbers: string[];
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionInput {
  connectorId?: string;
  name?: string;
  enabled?: boolean;
  settings?: Record<string, unknown>;
  timeoutMs?: number;
  defaultCountry?: string;
  unknownCallerPolicy?: UnknownCallerPolicy;
  ownNumbers?: string[];
}

/**
 * `ok: false` when the module failed to register the webhook URL with the provider (VoipOnWebhookUpdated);
 * the save stands. A disabled connection, or a connector without that function, is not asked and reports ok.
 */
export type WebhookUpdate = { ok: true } | { ok: false; message: string };

export interface SavedConnection {
  connection: Connection;
  webhookUpdate: WebhookUpdate;
}

const POLICIES: readonly UnknownCallerPolicy[] = ['on_answer', 'on_ring', 'never'];

export function webhookUrl(hub: Pick<HubContext, 'publicUrl'>, connection: Connection): string {
  return `${hub.publicUrl}/hooks/${connection.id}/${connection.webhook_token}`;
}

export function connectorOf(hub: HubContext, connection: Connection): ConnectorDefinition {
  const definition = hub.findConnector(connection.connector_id);
  if (!definition) {
    throw new HubError(
      'not_found',
      `Connection "${connection.name}" uses the connector "${connection.connector_id}", which is not installed`,
    );
  }
  return definition;
}

export function toConnectionView(hub: HubContext, connection: Connection): ConnectionView {
  const fields = hub.findConnector(connection.connector_id)?.settings ?? [];
  return {
    id: connection.id,
    connectorId: connection.connector_id,
    name: connection.name,
    enabled: connection.enabled === 1,
    settings: publicSettings(fields, JSON.parse(connection.settings) as Record<string, unknown>),
    webhookUrl: webhookUrl(hub, connection),
    webhookToken: connection.webhook_token,
    timeoutMs: connection.timeout_ms,
    defaultCountry: connection.default_country,
    unknownCallerPolicy: connection.unknown_caller_policy,
    ownNumbers: JSON.parse(connection.own_numbers) as string[],
    createdAt: connection.created_at,
    updatedAt: connection.updated_at,
  };
}

export async function getConnection(hub: HubContext, id: string): Promise<Connection> {
  const connection = await hub.store.connections.get(id);
  if (!connection) throw new HubError('not_found', `There is no connection ${id}`);
  return connection;
}

export function moduleStorage(hub: HubContext, connectionId: string): ModuleStorage {
  const repo = hub.store.connections;
  return {
    getItem: (key) => repo.getItem(connectionId, key),
    setItem: (key, value) => repo.setItem(connectionId, key, String(value)),
    removeItem: (key) => repo.removeItem(connectionId, key),
  };
}

export interface HeldStorage {
  storage: ModuleStorage;
  /** Writes what the module wrote, with `repos` (a transaction's); later writes go straight to the database. */
  commit(repos: Pick<Repositories, 'connections'>): Promise<void>;
}

/**
 * Module storage whose writes wait for `commit`, so that a webhook's module state lands in the same
 * transaction as the call it changed: a crash or a failure leaves both as they were, and handling the
 * webhook again (recovery, Replay) starts from the same state. Reads see the held writes.
 */
export function heldStorage(hub: HubContext, connectionId: string): HeldStorage {
  const held = new Map<string, string | undefined>();
  let committed = false;
  const direct = moduleStorage(hub, connectionId);
  return {
    storage: {
      getItem: async (key) => (!committed && held.has(key) ? held.get(key) : direct.getItem(key)),
      setItem: async (key, value) => {
        if (committed) return direct.setItem(key, value);
        held.set(key, String(value));
      },
      removeItem: async (key) => {
        if (committed) return direct.removeItem(key);
        held.set(key, undefined);
      },
    },
    async commit(repos) {
      committed = true;
      for (const [key, value] of held) {
        if (value === undefined) await repos.connections.removeItem(connectionId, key);
        else await repos.connections.setItem(connectionId, key, value);
      }
      held.clear();
    },
  };
}

/** The module of a connection, wrapped with timeouts, logging and error mapping. */
export function runnerFor(
  hub: HubContext,
  connection: Connection,
  storage: ModuleStorage = moduleStorage(hub, connection.id),
): ModuleRunner {
  return new ModuleRunner({
    connectionId: connection.id,
    definition: connectorOf(hub, connection),
    settings: openSettings(JSON.parse(connection.settings) as Record<string, unknown>, hub.box),
    storage,
    logger: hub.log,
    webhookUrl: webhookUrl(hub, connection),
    timeoutMs: connection.timeout_ms,
    now: hub.now,
    ...(hub.fetch ? { fetch: hub.fetch } : {}),
    observe: hub.latency.observe,
    signal: hub.signal,
    lookupContact: (phone) => contactForCaller(hub, connection, phone),
  });
}

/**
 * `ctx.lookupContact`: the oldest contact with the caller's number, and the extension its owner has on
 * this connection (the first one bound, when several are), so the PBX can route the caller to the owner.
 */
export async function contactForCaller(
  hub: HubContext,
  connection: Connection,
  phone: string,
): Promise<ContactLookupResult | undefined> {
  if (!/\d/.test(phone)) return undefined;
  let contact;
  try {
    contact = await lookupContact(hub, phone, connection.default_country);
  } catch (error) {
    if (error instanceof HubError && error.code === 'not_found') return undefined;
    throw error;
  }
  const owner = contact.ownerId;
  const binding = owner
    ? (await hub.store.connections.listBindings(connection.id)).find((b) => b.user_id === owner)
    : undefined;
  return binding ? { name: contact.name, responsibleExtension: binding.extension } : { name: contact.name };
}

export async function createConnection(hub: HubContext, input: ConnectionInput): Promise<SavedConnection> {
  if (!input.connectorId) throw new HubError('validation', 'Choose a connector', { field: 'connectorId' });
  const definition = hub.findConnector(input.connectorId);
  if (!definition) {
    throw new HubError('validation', `There is no connector "${input.connectorId}"`, { field: 'connectorId' });
  }
  const name = requireName(input.name ?? definition.name);
  const at = isoNow(hub);
  const connection = await hub.store.connections.create({
    id: hub.newId(),
    connector_id: definition.id,
    name,
    enabled: input.enabled === false ? 0 : 1,
    settings: JSON.stringify(mergeSettings(definition.settings, {}, input.settings ?? {}, hub.box)),
    webhook_token: newSecret(24),
    timeout_ms: checkTimeout(input.timeoutMs ?? 10_000),
    default_country: checkCountry(input.defaultCountry ?? 'RU'),
    unknown_caller_policy: checkPolicy(input.unknownCallerPolicy ?? 'on_answer'),
    own_numbers: JSON.stringify(ownNumbers(input.ownNumbers ?? [], input.defaultCountry ?? 'RU')),
    created_at: at,
    updated_at: at,
  });
  hub.onConnectionsChanged?.();
  return announced(hub, connection);
}

/** Save: validates, stores, and tells the module its webhook URL (as ELMA365 does on Save). */
export async function updateConnection(hub: HubContext, id: string, input: ConnectionInput): Promise<SavedConnection> {
  const current = await getConnection(hub, id);
  if (input.connectorId !== undefined && input.connectorId !== current.connector_id) {
    throw new HubError('validation', 'The connector of a connection cannot change: add a new connection', {
      field: 'connectorId',
    });
  }
  const definition = connectorOf(hub, current);
  const country = input.defaultCountry ?? current.default_country;
  const updated = await hub.store.connections.update(id, {
    ...(input.name !== undefined ? { name: requireName(input.name) } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled ? 1 : 0 } : {}),
    ...(input.settings !== undefined
      ? {
          settings: JSON.stringify(
            mergeSettings(definition.settings, JSON.parse(current.settings), input.settings, hub.box),
          ),
        }
      : {}),
    ...(input.timeoutMs !== undefined ? { timeout_ms: checkTimeout(input.timeoutMs) } : {}),
    ...(input.defaultCountry !== undefined ? { default_country: checkCountry(input.defaultCountry) } : {}),
    ...(input.unknownCallerPolicy !== undefined
      ? { unknown_caller_policy: checkPolicy(input.unknownCallerPolicy) }
      : {}),
    ...(input.ownNumbers !== undefined ? { own_numbers: JSON.stringify(ownNumbers(input.ownNumbers, country)) } : {}),
    updated_at: isoNow(hub),
  });
  if (!updated) throw new HubError('not_found', `There is no connection ${id}`);
  hub.onConnectionsChanged?.();
  return announced(hub, updated);
}

/** A new token: the old webhook URL stops working at once. */
export async function rotateToken(hub: HubContext, id: string): Promise<SavedConnection> {
  await getConnection(hub, id);
  const updated = await hub.store.connections.update(id, { webhook_token: newSecret(24), updated_at: isoNow(hub) });
  if (!updated) throw new HubError('not_found', `There is no connection ${id}`);
  return announced(hub, updated);
}

export async function deleteConnection(hub: HubContext, id: string): Promise<void> {
  if (!(await hub.store.connections.delete(id))) throw new HubError('not_found', `There is no connection ${id}`);
  hub.latency.forget(id);
  hub.onConnectionsChanged?.();
}

/**
 * Tells the module where its webhook is. A failure is logged and does not undo the Save: the admin
 * sees the message and can register the URL by hand.
 */
export async function announceWebhookUrl(hub: HubContext, connection: Connection): Promise<string | undefined> {
  if (connection.enabled !== 1 || !hub.findConnector(connection.connector_id)) return undefined;
  try {
    await runnerFor(hub, connection).onWebhookUpdated(webhookUrl(hub, connection));
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    hub.log.warn({ connectionId: connection.id, err: message }, 'VoipOnWebhookUpdated failed');
    return message;
  }
}

async function announced(hub: HubContext, connection: Connection): Promise<SavedConnection> {
  const message = await announceWebhookUrl(hub, connection);
  return { connection, webhookUpdate: message === undefined ? { ok: true } : { ok: false, message } };
}

/** "Test connection": a failure is a value with a reason in words, never an exception. */
export async function testConnection(hub: HubContext, id: string): Promise<VoipTestConnectionResult> {
  const connection = await getConnection(hub, id);
  try {
    return await runnerFor(hub, connection).testConnection();
  } catch (error) {
    return { success: false, failReason: error instanceof Error ? error.message : String(error) };
  }
}

export async function getMembers(hub: HubContext, id: string): Promise<VoipMember[]> {
  return runnerFor(hub, await getConnection(hub, id)).getMembers();
}

export async function getBindings(hub: HubContext, id: string): Promise<Binding[]> {
  await getConnection(hub, id);
  return hub.store.connections.listBindings(id);
}

/** Replaces the mapping of extensions to users. Takes effect with the next webhook. */
export async function setBindings(
  hub: HubContext,
  id: string,
  bindings: Array<{ extension: string; userId: string }>,
): Promise<Binding[]> {
  await getConnection(hub, id);
  const rows: Array<{ extension: string; user_id: string }> = [];
  for (const [index, binding] of bindings.entries()) {
    const extension = String(binding.extension ?? '').replace(/\s+/g, '');
    if (!extension) {
      throw new HubError('validation', 'Every binding needs an extension', { field: `bindings[${index}].extension` });
    }
    if (!(await hub.store.users.get(binding.userId))) {
      throw new HubError('validation', `There is no user ${binding.userId}`, { field: `bindings[${index}].userId` });
    }
    if (rows.some((row) => row.extension === extension)) {
      throw new HubError('validation', `Extension ${extension} is bound twice`, {
        field: `bindings[${index}].extension`,
      });
    }
    rows.push({ extension, user_id: binding.userId });
  }
  await hub.store.connections.replaceBindings(id, rows);
  return hub.store.connections.listBindings(id);
}

/** Binds one extension to a user, replacing whoever had it; the other bindings stay. */
export async function bindExtension(
  hub: HubContext,
  id: string,
  extension: string,
  userId: string,
): Promise<Binding[]> {
  const others = (await getBindings(hub, id)).filter((binding) => binding.extension !== extension.replace(/\s+/g, ''));
  return setBindings(hub, id, [
    ...others.map((binding) => ({ extension: binding.extension, userId: binding.user_id })),
    { extension, userId },
  ]);
}

function requireName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new HubError('validation', 'The connection needs a name', { field: 'name' });
  return trimmed;
}

function checkTimeout(ms: number): number {
  if (!Number.isInteger(ms) || ms < 100 || ms > 120_000) {
    throw new HubError('validation', 'The module timeout must be from 100 to 120000 ms', { field: 'timeoutMs' });
  }
  return ms;
}

function checkCountry(code: string): string {
  const upper = code.toUpperCase();
  if (!isKnownCountry(upper)) {
    throw new HubError('validation', `"${code}" is not a country code such as RU or KZ`, { field: 'defaultCountry' });
  }
  return upper;
}

function checkPolicy(policy: string): UnknownCallerPolicy {
  if (!POLICIES.includes(policy as UnknownCallerPolicy)) {
    throw new HubError('validation', `The unknown-caller policy must be one of ${POLICIES.join(', ')}`, {
      field: 'unknownCallerPolicy',
    });
  }
  return policy as UnknownCallerPolicy;
}

function ownNumbers(numbers: readonly string[], country: string): string[] {
  return [...new Set(numbers.map((number) => normalizePhone(String(number), country)).filter(Boolean))];
}
