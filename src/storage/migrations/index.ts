/**
 * Migrations live in code so the bundle needs no migration folder at run time.
 * Names sort in order; never edit a released migration, add the next one.
 */
import type { Migration, MigrationProvider } from 'kysely';
import type { SqlDialect } from '../repo-helpers.js';
import { initialMigration } from './0001-initial.js';
import { callInputsMigration } from './0002-call-inputs.js';
import { scriptModulesMigration } from './0003-script-modules.js';
import { eventSourcesMigration } from './0004-event-sources.js';
import { readsAtScaleMigration } from './0005-reads-at-scale.js';

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initialMigration(dialect),
    '0002-call-inputs': callInputsMigration,
    '0003-script-modules': scriptModulesMigration(dialect),
    '0004-event-sources': eventSourcesMigration(dialect),
    '0005-reads-at-scale': readsAtScaleMigration(dialect),
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
