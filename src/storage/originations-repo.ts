import type { Insertable, Kysely } from 'kysely';
import { withId, type NewRow } from './repo-helpers.js';
import type { Database, Origination, OriginationsTable } from './schema.js';

/** A new request starts as `requested`, with no error and no call. */
export type NewOrigination = NewRow<Omit<Insertable<OriginationsTable>, 'status' | 'error' | 'call_id'>>;

/** Which unlinked request an outgoing call may come from. */
export interface OriginationQuery {
  connectionId: string;
  userId?: string;
  srcPhone?: string;
  dstPhone?: string;
  /** `created_at >= since`. */
  since: string;
}

/** Click-to-call requests: requested → accepted | failed; accepted (or requested) → linked to a call. */
export class OriginationsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  create(input: NewOrigination): Promise<Origination> {
    return this.db
      .insertInto('originations')
      .values({ ...withId(input), status: 'requested' })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  get(id: string): Promise<Origination | undefined> {
    return this.db.selectFrom('originations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The PBX took the request (`accepted`) or refused it (`failed`, with the reason). */
  async setStatus(id: string, status: 'accepted' | 'failed', error: string | null = null): Promise<boolean> {
    const result = await this.db
      .updateTable('originations')
      .set({ status, error })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async link(id: string, callId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('originations')
      .set({ status: 'linked', call_id: callId })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** The newest request still waiting for its call (requested or accepted) that matches. */
  findUnlinked(query: OriginationQuery): Promise<Origination | undefined> {
    let select = this.db
      .selectFrom('originations')
      .selectAll()
      .where('connection_id', '=', query.connectionId)
      .where('status', 'in', ['requested', 'accepted'])
      .where('created_at', '>=', query.since);
    if (query.userId !== undefined) select = select.where('user_id', '=', query.userId);
    if (query.srcPhone !== undefined) select = select.where('src_phone', '=', query.srcPhone);
    if (query.dstPhone !== undefined) select = select.where('dst_phone', '=', query.dstPhone);
    return select.orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
  }
}
