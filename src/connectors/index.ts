/** The one registry of built-in connectors. Add a provider here and nowhere else. */
import type { ConnectorDefinition } from '../contract/index.js';
import { asteriskConnector } from './asterisk/index.js';
import { fakeConnector } from './fake/index.js';
import { mangoOfficeConnector } from './mango-office/index.js';
import { itoolabsConnector } from './itoolabs/index.js';
import { zadarmaConnector } from './zadarma/index.js';
import { kamailioConnector } from './kamailio/index.js';

export const connectors: readonly ConnectorDefinition[] = [
  fakeConnector,
  mangoOfficeConnector,
  zadarmaConnector,
  itoolabsConnector,
  asteriskConnector,
  kamailioConnector,
];

/** The connector with this id, or `undefined` (e.g. a connection made by a newer version). */
export function findConnector(id: string): ConnectorDefinition | undefined {
  return connectors.find((connector) => connector.id === id);
}
