import { sql, type Insertable, type Kysely } from 'kysely';
import {
  StorageError,
  decodeKeyCursor,
  encodeCursor,
  inTransaction,
  pageSize,
  toPage,
  type Page,
} from './repo-helpers.js';
import type { Call, CallDirection, CallLeg, CallStatus, CallTimelineTable, Database, TimelineEntry } from './schema.js';

/** A call with its legs: what the call tracker loads, changes and saves back whole. */
export interface CallSnapshot {
  call: Call;
  legs: CallLeg[];
}

export interface CallDetails extends CallSnapshot {
  /** Oldest first. */
  timeline: TimelineEntry[];
}

/** A timeline entry of the call it is saved with. */
export type NewTimelineEntry = Omit<Insertable<CallTimelineTable>, 'id' | 'call_id'>;

/** The grouping key of an event without a provider call id. */
export interface OpenCallKey {
  connectionId: string;
  srcPhone: string;
  dstPhone: string;
  direction: CallDirection;
}

/** Matching a call record to its call: the direction, any of the numbers given, and a start-time window. */
export interface CallRecordQuery {
  connectionId: string;
  direction: CallDirection;
  srcPhone?: string;
  dstPhone?: string;
  clientNumber?: string;
  /** `started_at` within [from, to]. */
  from: string;
  to: string;
}

export interface CallFilter {
  connectionId?: string;
  status?: CallStatus;
  direction?: CallDirection;
  /** Calls the user owns or has a leg in. */
  userId?: string;
  contactId?: string;
  /** The client's number, exactly as stored (normalised). */
  phone?: string;
  missed?: boolean;
  /** `started_at >= since`. */
  since?: string;
  /** `started_at < until`. */
  until?: string;
  cursor?: string;
  limit?: number;
}

/** One agent's calls since a moment: answered (owned and answered), missed (involved), talk time of the answered. */
export interface AgentCallStats {
  userId: string;
  name: string;
  answered: number;
  missed: number;
  talkSeconds: number;
}

/** Calls started within one UTC hour; `hour` is its start, e.g. `2024-05-01T10`. */
export interface HourCallStats {
  hour: string;
  in: number;
  out: number;
  missed: number;
}

export interface CallCount {
  connection_id: string;
  status: CallStatus;
  count: number;
}

/** Calls, their agent legs and their timeline. The caller creates the call and leg ids. */
export class CallsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<CallDetails | undefined> {
    const call = await this.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
    if (call === undefined) return undefined;
    const legs = await withLegs(this.db, [call]);
    const timeline = await this.db
      .selectFrom('call_timeline')
      .selectAll()
      .where('call_id', '=', id)
      .orderBy('id')
      .execute();
    return { call, legs: legs[0]?.legs ?? [], timeline };
  }

  /** The tracker inputs stored with the call's timeline, in arrival order (JSON text). */
  async listInputs(callId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('call_timeline')
      .select('input')
      .where('call_id', '=', callId)
      .where('input', 'is not', null)
      .orderBy('id')
      .execute();
    return rows.map((row) => row.input!);
  }

  /** The newest call with this provider call id. */
  async findByExternalId(connectionId: string, externalId: string): Promise<CallSnapshot | undefined> {
    const call = await this.db
      .selectFrom('calls')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('external_id', '=', externalId)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return call && (await withLegs(this.db, [call]))[0];
  }

  /** The newest call not yet ended with these numbers and direction. */
  async findOpen(key: OpenCallKey): Promise<CallSnapshot | undefined> {
    const call = await this.db
      .selectFrom('calls')
      .selectAll()
      .where('connection_id', '=', key.connectionId)
      .where('status', '!=', 'ended')
      .where('src_phone', '=', key.srcPhone)
      .where('dst_phone', '=', key.dstPhone)
      .where('direction', '=', key.direction)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return call && (await withLegs(this.db, [call]))[0];
  }

  /** Every call not yet ended, oldest first (for sweeping calls whose end never came). */
  async listOpen(connectionId?: string): Promise<CallSnapshot[]> {
    let query = this.db.selectFrom('calls').selectAll().where('status', '!=', 'ended');
    if (connectionId !== undefined) query = query.where('connection_id', '=', connectionId);
    return withLegs(this.db, await query.orderBy('started_at').orderBy('id').execute());
  }

  /** Prefers a call without a recording yet, then the latest start. */
  async findForRecord(query: CallRecordQuery): Promise<CallSnapshot | undefined> {
    if (query.srcPhone === undefined && query.dstPhone === undefined && query.clientNumber === undefined) {
      throw new StorageError('invalid_input', 'Matching a call record needs at least one of its numbers');
    }
    let select = this.db
      .selectFrom('calls')
      .selectAll()
      .where('connection_id', '=', query.connectionId)
      .where('direction', '=', query.direction)
      .where('started_at', '>=', query.from)
      .where('started_at', '<=', query.to);
    if (query.srcPhone !== undefined) select = select.where('src_phone', '=', query.srcPhone);
    if (query.dstPhone !== undefined) select = select.where('dst_phone', '=', query.dstPhone);
    if (query.clientNumber !== undefined) select = select.where('client_number', '=', query.clientNumber);
    const call = await select
      .orderBy('has_recording')
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return call && (await withLegs(this.db, [call]))[0];
  }

  /**
   * Writes the whole snapshot (inserting or replacing the call and each leg by id) and appends the
   * timeline entries, in one transaction. Legs missing from the snapshot are left as they are.
   */
  async save(snapshot: CallSnapshot, timeline: readonly NewTimelineEntry[] = []): Promise<void> {
    const { call, legs } = snapshot;
    const stray = legs.find((leg) => leg.call_id !== call.id);
    if (stray !== undefined) {
      throw new StorageError('invalid_input', `Leg ${stray.id} belongs to call ${stray.call_id}, not to ${call.id}`);
    }
    await inTransaction(this.db, async (tx) => {
      const { id: _, ...fields } = call;
      await tx
        .insertInto('calls')
        .values(call)
        .onConflict((oc) => oc.column('id').doUpdateSet(fields))
        .execute();
      if (legs.length > 0) {
        await tx
          .insertInto('call_legs')
          .values(legs)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              extension: eb.ref('excluded.extension'),
              user_id: eb.ref('excluded.user_id'),
              status: eb.ref('excluded.status'),
              outcome: eb.ref('excluded.outcome'),
              rung_at: eb.ref('excluded.rung_at'),
              answered_at: eb.ref('excluded.answered_at'),
              ended_at: eb.ref('excluded.ended_at'),
            })),
          )
          .execute();
      }
      await addParticipants(tx, snapshot);
      await appendTimeline(tx, call.id, timeline);
    });
  }

  /** For what happened to a call without changing it (an ignored duplicate event, for instance). */
  async appendTimeline(callId: string, entries: readonly NewTimelineEntry[]): Promise<void> {
    await appendTimeline(this.db, callId, entries);
  }

  /** Newest first by (started_at, id). */
  async list(filter: CallFilter = {}): Promise<Page<Call>> {
    const limit = pageSize(filter.limit);
    // An agent's history walks their participation index; both keys equal the call's, so the order is the same.
    const userId = filter.userId;
    const byStart = sql.ref<string>(userId === undefined ? 'calls.started_at' : 'p.started_at');
    const byId = sql.ref<string>(userId === undefined ? 'calls.id' : 'p.call_id');
    let query = this.db.selectFrom('calls').selectAll('calls');
    if (userId !== undefined) {
      query = query.innerJoin('call_participants as p', (join) =>
        join.onRef('p.call_id', '=', 'calls.id').on('p.user_id', '=', userId),
      );
    }
    if (filter.connectionId !== undefined) query = query.where('connection_id', '=', filter.connectionId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.direction !== undefined) query = query.where('direction', '=', filter.direction);
    if (filter.contactId !== undefined) query = query.where('contact_id', '=', filter.contactId);
    if (filter.phone !== undefined) query = query.where('client_number', '=', filter.phone);
    if (filter.missed !== undefined) query = query.where('missed', '=', filter.missed ? 1 : 0);
    if (filter.since !== undefined) query = query.where(byStart, '>=', filter.since);
    if (filter.until !== undefined) query = query.where(byStart, '<', filter.until);
    if (filter.cursor !== undefined) {
      const [startedAt, id] = decodeKeyCursor(filter.cursor);
      query = query.where((eb) =>
        eb.or([eb(byStart, '<', startedAt), eb.and([eb(byStart, '=', startedAt), eb(byId, '<', id)])]),
      );
    }
    const rows = await query
      .orderBy(byStart, 'desc')
      .orderBy(byId, 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, (call) => encodeCursor([call.started_at, call.id]));
  }

  /** Missed calls the user owns or was rung in, started at or after `since`. */
  async countMissed(userId: string, since: string): Promise<number> {
    const { count } = await this.db
      .selectFrom('call_participants as p')
      .innerJoin('calls', 'calls.id', 'p.call_id')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('p.user_id', '=', userId)
      .where('p.started_at', '>=', since)
      .where('calls.missed', '=', 1)
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /** The user's calls not yet ended, newest first: the popups an agent's screen opens with. */
  async listLive(userId: string, limit = 100): Promise<Call[]> {
    // EXISTS, not a join: the few live calls are walked and checked, not the user's whole history.
    return this.db
      .selectFrom('calls')
      .selectAll()
      .where('calls.status', '!=', 'ended')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('call_participants as p')
            .select('p.call_id')
            .whereRef('p.call_id', '=', 'calls.id')
            .where('p.user_id', '=', userId),
        ),
      )
      .orderBy('calls.started_at', 'desc')
      .orderBy('calls.id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Calls not yet ended. */
  async countLive(): Promise<number> {
    const { count } = await this.db
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('status', '!=', 'ended')
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /** Every user with a call started at or after `since`, by name. */
  async statsPerAgent(since: string): Promise<AgentCallStats[]> {
    const answered = sql<number>`case when calls.owner_id = users.id and calls.answered_at is not null then 1 else 0 end`;
    const rows = await this.db
      .selectFrom('users')
      // A cross join and a condition, the same as an inner join, but SQLite then walks users first and
      // reads each one's index range, rather than every participant ever.
      .crossJoin('call_participants as p')
      .whereRef('p.user_id', '=', 'users.id')
      .innerJoin('calls', 'calls.id', 'p.call_id')
      .select([
        'users.id',
        'users.name',
        sql<number>`sum(${answered})`.as('answered'),
        sql<number>`sum(calls.missed)`.as('missed'),
        sql<number>`sum(${answered} * coalesce(calls.duration, 0))`.as('talk_seconds'),
      ])
      .where('p.started_at', '>=', since)
      .groupBy(['users.id', 'users.name'])
      .orderBy('users.name')
      .orderBy('users.id')
      .execute();
    return rows.map((row) => ({
      userId: row.id,
      name: row.name,
      answered: Number(row.answered),
      missed: Number(row.missed),
      talkSeconds: Number(row.talk_seconds),
    }));
  }

  /** Hours with calls started at or after `since`, oldest first; ISO times sort and cut as text on both databases. */
  async statsPerHour(since: string): Promise<HourCallStats[]> {
    const hour = sql<string>`substr(calls.started_at, 1, 13)`;
    const rows = await this.db
      .selectFrom('calls')
      .select([
        hour.as('hour'),
        sql<number>`sum(case when calls.direction = 'in' then 1 else 0 end)`.as('in'),
        sql<number>`sum(case when calls.direction = 'out' then 1 else 0 end)`.as('out'),
        sql<number>`sum(calls.missed)`.as('missed'),
      ])
      .where('calls.started_at', '>=', since)
      .groupBy(hour)
      .orderBy(hour)
      .execute();
    return rows.map((row) => ({
      hour: row.hour,
      in: Number(row.in),
      out: Number(row.out),
      missed: Number(row.missed),
    }));
  }

  /**
   * How many calls each connection has in each status (for /metrics); combinations without calls are left
   * out. Naming the connections lets the index find the few live calls instead of counting every call.
   */
  async countByStatus(
    filter: { connectionIds?: readonly string[]; statuses?: readonly CallStatus[] } = {},
  ): Promise<CallCount[]> {
    let query = this.db
      .selectFrom('calls')
      .select((eb) => ['connection_id', 'status', eb.fn.countAll<number | string>().as('count')]);
    if (filter.connectionIds !== undefined) {
      if (filter.connectionIds.length === 0) return [];
      query = query.where('connection_id', 'in', filter.connectionIds);
    }
    if (filter.statuses !== undefined) query = query.where('status', 'in', filter.statuses);
    const rows = await query.groupBy(['connection_id', 'status']).orderBy('connection_id').orderBy('status').execute();
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }
}

/** The call's owner and every user on its legs; a user once rung stays a participant. */
async function addParticipants(db: Kysely<Database>, { call, legs }: CallSnapshot): Promise<void> {
  const users = new Set([call.owner_id, ...legs.map((leg) => leg.user_id)]);
  users.delete(null);
  if (users.size === 0) return;
  await db
    .insertInto('call_participants')
    .values([...users].map((userId) => ({ user_id: userId as string, call_id: call.id, started_at: call.started_at })))
    .onConflict((oc) => oc.columns(['user_id', 'call_id']).doUpdateSet({ started_at: call.started_at }))
    .execute();
}

async function appendTimeline(db: Kysely<Database>, callId: string, entries: readonly NewTimelineEntry[]) {
  if (entries.length === 0) return;
  await db
    .insertInto('call_timeline')
    .values(entries.map(({ at, kind, detail, input }) => ({ call_id: callId, at, kind, detail, input: input ?? null })))
    .execute();
}

async function withLegs(db: Kysely<Database>, calls: Call[]): Promise<CallSnapshot[]> {
  if (calls.length === 0) return [];
  const legs = await db
    .selectFrom('call_legs')
    .selectAll()
    .where(
      'call_id',
      'in',
      calls.map((c) => c.id),
    )
    .orderBy('rung_at')
    // Agents rung at the same instant (a group) come in a stable order.
    .orderBy('extension')
    .orderBy('id')
    .execute();
  const byCall = new Map<string, CallLeg[]>();
  for (const leg of legs) {
    const list = byCall.get(leg.call_id);
    if (list) list.push(leg);
    else byCall.set(leg.call_id, [leg]);
  }
  return calls.map((call) => ({ call, legs: byCall.get(call.id) ?? [] }));
}
