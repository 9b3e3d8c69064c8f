/**
 * Installing, listing and removing ELMA365 script modules: the database keeps the script and its
 * settings fields, the catalog makes it a connector type for this process.
 */
import type { ConnectorDefinition, SettingsField } from '../contract/index.js';
import type { ModuleCatalog } from '../modules/catalog.js';
import { ModuleError } from '../modules/module-error.js';
import { loadScriptModule, scriptModuleId } from '../modules/script-module.js';
import { checkSettingsFields } from '../modules/script-settings.js';
import type { ScriptModuleRow } from '../storage/index.js';
import { HubError } from './errors.js';
import { isoNow, type HubContext } from './hub-context.js';

export interface ScriptModuleInput {
  name: string;
  source: string;
  settings: unknown;
}

/** A module as the API and the CLI show it (the source only on request). */
export interface ScriptModuleView {
  id: string;
  name: string;
  settings: SettingsField[];
  functions: string[];
  createdAt: string;
  connections: number;
}

function specOf(row: ScriptModuleRow) {
  return { id: row.id, name: row.name, source: row.source, settings: JSON.parse(row.settings) as SettingsField[] };
}

/** Fills the catalog from the database; a module that no longer loads is logged and left out. */
export async function loadScriptModules(hub: HubContext, catalog: ModuleCatalog): Promise<void> {
  for (const row of await hub.store.scriptModules.list()) {
    try {
      catalog.put(await loadScriptModule(specOf(row), catalog.host));
    } catch (error) {
      hub.log.error(
        { err: error, module: row.id },
        `The script module ${row.name} does not load; its connections stay idle`,
      );
    }
  }
}

/** Checks the script (it must parse and declare the five functions), stores it and makes it a connector. */
export async function installScriptModule(
  hub: HubContext,
  catalog: ModuleCatalog,
  input: ScriptModuleInput,
): Promise<ScriptModuleView> {
  try {
    return await install(hub, catalog, input);
  } catch (error) {
    if (error instanceof ModuleError) {
      throw new HubError('validation', error.message, { field: error.field, cause: error });
    }
    throw error;
  }
}

async function install(hub: HubContext, catalog: ModuleCatalog, input: ScriptModuleInput): Promise<ScriptModuleView> {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '') throw new HubError('validation', 'Give the module a name', { field: 'name' });
  if (typeof input.source !== 'string') throw new HubError('validation', 'Upload the script', { field: 'script' });
  const id = scriptModuleId(name);
  if (catalog.find(id)) {
    throw new HubError('conflict', `There is already a connector ${id}: remove it first or pick another name`);
  }
  const settings = checkSettingsFields(input.settings ?? []);
  const definition = await loadScriptModule({ id, name, source: input.source, settings }, catalog.host);
  const at = isoNow(hub);
  const row = await hub.store.scriptModules.create({
    id,
    name,
    source: input.source,
    settings: JSON.stringify(settings),
    created_at: at,
    updated_at: at,
  });
  catalog.put(definition);
  return view(row, definition, 0);
}

export async function listScriptModules(hub: HubContext, catalog: ModuleCatalog): Promise<ScriptModuleView[]> {
  const connections = await hub.store.connections.list();
  return (await hub.store.scriptModules.list()).map((row) =>
    view(row, catalog.find(row.id), connections.filter((c) => c.connector_id === row.id).length),
  );
}

export async function getScriptModuleSource(hub: HubContext, id: string): Promise<string> {
  const row = await hub.store.scriptModules.get(id);
  if (!row) throw new HubError('not_found', `There is no script module ${id}`);
  return row.source;
}

/** Refused while connections use the module: their calls and history would lose their code. */
export async function removeScriptModule(hub: HubContext, catalog: ModuleCatalog, id: string): Promise<void> {
  const row = await hub.store.scriptModules.get(id);
  if (!row) throw new HubError('not_found', `There is no script module ${id}`);
  const used = (await hub.store.connections.list()).filter((c) => c.connector_id === id);
  if (used.length > 0) {
    throw new HubError(
      'conflict',
      `The module ${id} is used by ${used.length === 1 ? 'the connection' : 'the connections'} ${used.map((c) => `"${c.name}"`).join(', ')}: delete ${used.length === 1 ? 'it' : 'them'} first`,
    );
  }
  await hub.store.scriptModules.remove(id);
  await catalog.remove(id);
}

function view(
  row: ScriptModuleRow,
  definition: ConnectorDefinition | undefined,
  connections: number,
): ScriptModuleView {
  const functions = definition
    ? [
        'VoipTestConnection',
        'VoipGetMembers',
        'VoipParseWebhookRequest',
        'VoipGenerateCall',
        'VoipGetCallLink',
        ...(definition.hasWebhookUpdated ? ['VoipOnWebhookUpdated'] : []),
      ]
    : [];
  return {
    id: row.id,
    name: row.name,
    settings: JSON.parse(row.settings) as SettingsField[],
    functions,
    createdAt: row.created_at,
    connections,
  };
}
