import type { Kysely } from 'kysely';
import type { Database, EventSourceState } from './schema.js';

/** Event source states, one row per connection; the holding instance writes the whole row. */
export class EventSourcesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  get(connectionId: string): Promise<EventSourceState | undefined> {
    return this.db.selectFrom('event_sources').selectAll().where('connection_id', '=', connectionId).executeTakeFirst();
  }

  list(): Promise<EventSourceState[]> {
    return this.db.selectFrom('event_sources').selectAll().orderBy('connection_id').execute();
  }

  async save(state: EventSourceState): Promise<void> {
    const { connection_id: _id, ...rest } = state;
    await this.db
      .insertInto('event_sources')
      .values(state)
      .onConflict((oc) => oc.column('connection_id').doUpdateSet(rest))
      .execute();
  }
}
