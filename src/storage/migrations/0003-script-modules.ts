/** ELMA365 script modules installed by the admin: each becomes a connector type next to the built-in ones. */
import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialect } from '../repo-helpers.js';

export function scriptModulesMigration(dialect: SqlDialect): Migration {
  const key = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('script_modules')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('updated_at', key, (c) => c.notNull())
        .execute();
    },
  };
}
