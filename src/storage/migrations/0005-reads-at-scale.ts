/**
 * Reads that stay fast with millions of calls.
 * - Who took part in each call (its owner and every agent rung), with the call's start copied in, so an
 *   agent's history page and missed-calls counter read one index range instead of testing every call
 *   for "owned by or rung to this user".
 * - The calls not yet ended, in two partial indexes (a row leaves them when its call ends): matching an
 *   event to its open call by numbers, an agent's live popups, the sweep of calls whose end never came
 *   and the live counter read only those, never the whole history.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialect } from '../repo-helpers.js';

export function readsAtScaleMigration(dialect: SqlDialect): Migration {
  const key = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('call_participants')
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('call_id', key, (c) => c.notNull().references('calls.id').onDelete('cascade'))
        .addColumn('started_at', key, (c) => c.notNull())
        .addPrimaryKeyConstraint('call_participants_pk', ['user_id', 'call_id'])
        .execute();
      await db.schema
        .createIndex('call_participants_started')
        .on('call_participants')
        .columns(['user_id', 'started_at', 'call_id'])
        .execute();
      await db.schema.createIndex('call_participants_call_id').on('call_participants').column('call_id').execute();
      await sql`
        insert into call_participants (user_id, call_id, started_at)
        select owner_id, id, started_at from calls where owner_id is not null
        union
        select call_legs.user_id, calls.id, calls.started_at
        from call_legs join calls on calls.id = call_legs.call_id
        where call_legs.user_id is not null
      `.execute(db);
      await db.schema
        .createIndex('calls_live')
        .on('calls')
        .columns(['started_at', 'id'])
        .where(sql.ref('status'), '!=', 'ended')
        .execute();
      await db.schema
        .createIndex('calls_live_numbers')
        .on('calls')
        .columns(['connection_id', 'src_phone', 'dst_phone'])
        .where(sql.ref('status'), '!=', 'ended')
        .execute();
    },
  };
}
