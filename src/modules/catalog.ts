/**
 * The connector types a hub knows: the built-in ones and the script modules installed in its database.
 * The runtime fills it at start and when the admin adds or removes a module; lookups stay synchronous.
 */
import type { ConnectorDefinition } from '../contract/index.js';
import { connectors, findConnector } from '../connectors/index.js';
import { ScriptHost } from './script-host.js';

export class ModuleCatalog {
  readonly host: ScriptHost;
  readonly #scripts = new Map<string, ConnectorDefinition>();

  constructor(host = new ScriptHost()) {
    this.host = host;
  }

  /** A built-in connector or an installed script module. */
  find = (id: string): ConnectorDefinition | undefined => findConnector(id) ?? this.#scripts.get(id);

  /** Built-in connectors first, then script modules in the order they were added. */
  list(): ConnectorDefinition[] {
    return [...connectors, ...this.#scripts.values()];
  }

  isScript(id: string): boolean {
    return this.#scripts.has(id);
  }

  put(definition: ConnectorDefinition): void {
    this.#scripts.set(definition.id, definition);
  }

  async remove(id: string): Promise<void> {
    this.#scripts.delete(id);
    await this.host.forget(id);
  }

  close(): Promise<void> {
    return this.host.close();
  }
}
