/**
 * Each timeline entry made by an event or a call record keeps that input as the tracker took it, so a
 * call can be folded again in the provider's order when a notification arrives late.
 */
import type { Kysely, Migration } from 'kysely';

export const callInputsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('call_timeline').addColumn('input', 'text').execute();
  },
};
