/**
 * The state of each connection's event source (a PBX connection the hub keeps open, such as Asterisk
 * AMI): one row per connection, written by the instance that holds the source, read by every instance.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialect } from '../repo-helpers.js';

export function eventSourcesMigration(dialect: SqlDialect): Migration {
  const key = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('event_sources')
        .addColumn('connection_id', key, (c) => c.primaryKey().references('connections.id').onDelete('cascade'))
        .addColumn('status', key, (c) => c.notNull())
        .addColumn('instance_id', key, (c) => c.notNull())
        .addColumn('status_since', key, (c) => c.notNull())
        .addColumn('connected_at', key)
        .addColumn('disconnected_at', key)
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', key)
        .addColumn('gap_from', key)
        .addColumn('gap_to', key)
        .addColumn('reconnects', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', key, (c) => c.notNull())
        .execute();
    },
  };
}
