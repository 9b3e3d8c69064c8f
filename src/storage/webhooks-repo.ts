import type { Insertable, Kysely } from 'kysely';
import { decodeIdCursor, encodeCursor, pageSize, toPage, type Page } from './repo-helpers.js';
import type { Database, Webhook, WebhookStatus, WebhooksTable } from './schema.js';

/** A request as received, before any module code runs. */
export type IncomingWebhook = Pick<
  Insertable<WebhooksTable>,
  'connection_id' | 'method' | 'path' | 'query' | 'headers' | 'body' | 'received_at' | 'fingerprint'
>;

/** How handling ended: what was answered and what the module returned. */
export interface WebhookOutcome {
  status: Exclude<WebhookStatus, 'pending'>;
  processed_at: string;
  response_status?: number | null;
  response_body?: string | null;
  response_headers?: string | null;
  parse_result?: string | null;
  error?: string | null;
  call_id?: string | null;
}

export interface WebhookFilter {
  connectionId?: string;
  status?: WebhookStatus;
  cursor?: string;
  limit?: number;
}

/** A connection's recent inbox figures. */
export interface WebhookActivity {
  connection_id: string;
  /** When its latest request arrived, whatever came of it. */
  last_received_at: string | null;
  /** Requests received at or after the `since` asked for that ended `rejected` or `failed`. */
  errors_since: number;
}

/**
 * The webhook inbox. A request is stored as `pending` before it is handled, so a crash leaves it
 * to be handled again at start-up; `attempts` counts how often handling began.
 */
export class WebhooksRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores the request as pending with its first attempt begun; returns the row as `get` would read it. */
  insertPending(webhook: IncomingWebhook): Promise<Webhook> {
    return this.db
      .insertInto('webhooks')
      .values({ ...webhook, status: 'pending', attempts: 1 })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * The latest processed, rejected or pending request of this connection with the same fingerprint received
   * at or after `since`: a provider's retry, to be answered as before without running the module again
   * (a pending one, left by a crash, is handled first).
   */
  findDuplicate(connectionId: string, fingerprint: string, since: string): Promise<Webhook | undefined> {
    return this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('fingerprint', '=', fingerprint)
      .where('received_at', '>=', since)
      .where('status', 'in', ['processed', 'rejected', 'pending'])
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  /** Records the outcome; unset fields become null. False when there is no such row. */
  async finish(id: number, outcome: WebhookOutcome): Promise<boolean> {
    const result = await this.db
      .updateTable('webhooks')
      .set({
        status: outcome.status,
        processed_at: outcome.processed_at,
        response_status: outcome.response_status ?? null,
        response_body: outcome.response_body ?? null,
        response_headers: outcome.response_headers ?? null,
        parse_result: outcome.parse_result ?? null,
        error: outcome.error ?? null,
        call_id: outcome.call_id ?? null,
      })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Counts one more handling attempt (of a pending leftover); returns the new count. */
  async beginAttempt(id: number): Promise<number | undefined> {
    const row = await this.db
      .updateTable('webhooks')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .returning('attempts')
      .executeTakeFirst();
    return row?.attempts;
  }

  /** Requests whose handling never finished (the process stopped), oldest first. */
  listPending(): Promise<Webhook[]> {
    return this.db.selectFrom('webhooks').selectAll().where('status', '=', 'pending').orderBy('id').execute();
  }

  /** Newest first. */
  async list(filter: WebhookFilter = {}): Promise<Page<Webhook>> {
    const limit = pageSize(filter.limit);
    let query = this.db.selectFrom('webhooks').selectAll();
    if (filter.connectionId !== undefined) query = query.where('connection_id', '=', filter.connectionId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.cursor !== undefined) query = query.where('id', '<', decodeIdCursor(filter.cursor));
    const rows = await query
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, (row) => encodeCursor([row.id]));
  }

  get(id: number): Promise<Webhook | undefined> {
    return this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** For each connection asked about, in that order; one index lookup each, plus one count over the recent rows. */
  async activity(connectionIds: readonly string[], since: string): Promise<WebhookActivity[]> {
    if (connectionIds.length === 0) return [];
    const errors = await this.db
      .selectFrom('webhooks')
      .select((eb) => ['connection_id', eb.fn.countAll<number | string>().as('count')])
      .where('received_at', '>=', since)
      .where('status', 'in', ['rejected', 'failed'])
      .where('connection_id', 'in', connectionIds)
      .groupBy('connection_id')
      .execute();
    const activity: WebhookActivity[] = [];
    for (const connectionId of connectionIds) {
      const latest = await this.db
        .selectFrom('webhooks')
        .select('received_at')
        .where('connection_id', '=', connectionId)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      activity.push({
        connection_id: connectionId,
        last_received_at: latest?.received_at ?? null,
        errors_since: Number(errors.find((row) => row.connection_id === connectionId)?.count ?? 0),
      });
    }
    return activity;
  }

  /** Retention: deletes finished requests received before `before`; pending ones are kept. */
  async prune(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('webhooks')
      .where('received_at', '<', before)
      .where('status', '!=', 'pending')
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
