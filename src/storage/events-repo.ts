import type { Insertable, Kysely } from 'kysely';
import type { Database, LiveEvent, LiveEventsTable } from './schema.js';

export type NewLiveEvent = Omit<Insertable<LiveEventsTable>, 'id'>;

/** What users were sent over SSE; the id is the SSE event id a client resumes from. */
export class EventsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async append(event: NewLiveEvent): Promise<number> {
    const row = await this.db.insertInto('live_events').values(event).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  /** The user's events with an id above `afterId`, oldest first. */
  listAfter(userId: string, afterId: number, limit = 500): Promise<LiveEvent[]> {
    return this.db
      .selectFrom('live_events')
      .selectAll()
      .where('user_id', '=', userId)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  listByIds(ids: number[]): Promise<LiveEvent[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('live_events').selectAll().where('id', 'in', ids).orderBy('id').execute();
  }

  /** Deletes events created before `before`; returns how many. */
  async prune(before: string): Promise<number> {
    const result = await this.db.deleteFrom('live_events').where('created_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
