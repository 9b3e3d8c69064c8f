/**
 * The webhook inbox. Every request is stored raw before any module code runs; then the module parses
 * it, what it reported is applied, and the row records the outcome. A byte-identical retry within
 * ten minutes gets the first answer and is not applied again. Rows a crash left pending are handled
 * at start-up, and any row can be replayed.
 */
import { HttpResponse, makeHeaders, type FetchRequest, type VoipWebhookParseResult } from '../contract/index.js';
import type { Connection, Webhook } from '../storage/index.js';
import { applyReported, type Applied } from './call-applier.js';
import { applyGenerateCallResult } from './click-to-call.js';
import { getConnection, heldStorage, runnerFor, webhookUrl } from './connections.js';
import { sha256 } from './credentials.js';
import { HubError, toHubError } from './errors.js';
import { inTransaction, isoNow, type HubContext } from './hub-context.js';
import { SerialQueue } from './serial-queue.js';

export const DUPLICATE_WINDOW_MS = 10 * 60 * 1000;

export interface ReceivedRequest {
  method: string;
  url: string;
  /** Below the connection's webhook URL: `/events/call`, or `/`. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface WebhookAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  webhookId: number;
}

export interface ReceiveOptions {
  /**
   * False for events read from a PBX connection (an event source): the PBX never retries them, so a
   * byte-identical one is a new event, not a retry to answer as before.
   */
  retries?: boolean;
}

export interface WebhookIntake {
  receive(connection: Connection, request: ReceivedRequest, options?: ReceiveOptions): Promise<WebhookAnswer>;
  replay(webhookId: number): Promise<WebhookAnswer>;
  /** Handles rows left pending by a crash; returns how many. */
  recoverPending(): Promise<number>;
  idle(): Promise<void>;
}

export function createWebhookIntake(hub: HubContext): WebhookIntake {
  const queue = new SerialQueue();
  // In this process a queue keeps order; across hub instances on PostgreSQL a shared lock does.
  const serially = <T>(connectionId: string, work: () => Promise<T>) =>
    queue.run(connectionId, () =>
      hub.store.lock ? hub.store.lock.run(`switchboard:webhooks:${connectionId}`, work) : work(),
    );

  const handle = (connection: Connection, row: Webhook) => serially(connection.id, () => process(hub, connection, row));

  return {
    receive(connection, request, options = {}) {
      return serially(connection.id, async () => {
        const receivedAt = isoNow(hub);
        const headers = Object.fromEntries(
          Object.entries(request.headers).flatMap(([name, value]) =>
            value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]],
          ),
        );
        const fingerprint = sha256(
          [request.method, request.path, JSON.stringify(sortKeys(request.query)), request.body].join('\n'),
        );
        const row = {
          connection_id: connection.id,
          method: request.method,
          path: request.path,
          query: JSON.stringify(request.query),
          headers: JSON.stringify(headers),
          body: request.body,
          received_at: receivedAt,
          fingerprint,
        };
        const since = new Date(Date.parse(receivedAt) - DUPLICATE_WINDOW_MS).toISOString();
        const first =
          options.retries === false
            ? undefined
            : await hub.store.webhooks.findDuplicate(connection.id, fingerprint, since);
        const stored = await hub.store.webhooks.insertPending(row);
        if (first?.status === 'pending') {
          // The connection's lock is ours, so nobody is handling it: a crash left it. Handle it now, once.
          await hub.store.webhooks.beginAttempt(first.id);
          await process(hub, connection, first);
          return answerAsBefore(hub, stored.id, (await hub.store.webhooks.get(first.id)) as Webhook);
        }
        if (first) return answerAsBefore(hub, stored.id, first);
        return process(hub, connection, stored);
      });
    },

    async replay(webhookId) {
      const row = await hub.store.webhooks.get(webhookId);
      if (!row) throw new HubError('not_found', `There is no webhook ${webhookId}`);
      const connection = await getConnection(hub, row.connection_id);
      await hub.store.webhooks.beginAttempt(webhookId);
      return handle(connection, row);
    },

    async recoverPending() {
      let recovered = 0;
      for (const row of await hub.store.webhooks.listPending()) {
        const connection = await hub.store.connections.get(row.connection_id);
        if (!connection) continue;
        // Another instance may be handling it right now: look again once the connection's lock is ours.
        const done = await serially(connection.id, async () => {
          const fresh = await hub.store.webhooks.get(row.id);
          if (fresh?.status !== 'pending') return false;
          await hub.store.webhooks.beginAttempt(row.id);
          await process(hub, connection, fresh);
          return true;
        });
        if (done) recovered++;
      }
      return recovered;
    },

    idle: () => queue.idle(),
  };
}

async function answerAsBefore(hub: HubContext, id: number, first: Webhook): Promise<WebhookAnswer> {
  const answer = {
    status: first.response_status ?? 200,
    headers: first.response_headers ? (JSON.parse(first.response_headers) as Record<string, string>) : {},
    body: first.response_body ?? '',
  };
  await hub.store.webhooks.finish(id, {
    status: 'duplicate',
    processed_at: isoNow(hub),
    response_status: answer.status,
    response_body: answer.body,
    response_headers: first.response_headers,
    error: `A retry of webhook ${first.id}: answered as before, not applied again`,
    call_id: first.call_id,
  });
  return { ...answer, webhookId: id };
}

/**
 * The module parses the request with its storage writes held; then those writes, the call change and the
 * row's outcome land in one transaction (one commit instead of one per statement), and only then are the
 * users told.
 */
async function process(hub: HubContext, connection: Connection, row: Webhook): Promise<WebhookAnswer> {
  const held = heldStorage(hub, connection.id);
  let result: VoipWebhookParseResult;
  try {
    result = await runnerFor(hub, connection, held.storage).parseWebhookRequest(toFetchRequest(hub, connection, row));
  } catch (error) {
    return fail(hub, row, error);
  }
  const response = result.response ?? new HttpResponse();
  const answer = { status: response.statusCode, headers: response.headers, body: response.body };
  const parseResult = JSON.stringify({
    event: result.event,
    callRecord: result.callRecord,
    generateCallResult: result.generateCallResult,
  });
  const outcome = {
    processed_at: isoNow(hub),
    response_status: answer.status,
    response_body: answer.body,
    response_headers: JSON.stringify(answer.headers),
    parse_result: parseResult,
  };
  const reported = !!result.event || !!result.callRecord || !!result.generateCallResult;
  if (!reported && response.statusCode >= 400) {
    await inTransaction(hub, async (tx) => {
      await held.commit(tx.store);
      await tx.store.webhooks.finish(row.id, { status: 'rejected', ...outcome });
    });
    return { ...answer, webhookId: row.id };
  }

  let applied: Applied[];
  try {
    applied = await inTransaction(hub, async (tx) => {
      await held.commit(tx.store);
      const done: Applied[] = [];
      if (result.event) {
        done.push(await applyReported(tx, connection, { event: result.event }, row.received_at, row.id));
      }
      if (result.callRecord) {
        done.push(await applyReported(tx, connection, { record: result.callRecord }, row.received_at, row.id));
      }
      if (result.generateCallResult) await applyGenerateCallResult(tx, connection, result.generateCallResult);
      await tx.store.webhooks.finish(row.id, { status: 'processed', ...outcome, call_id: done.at(-1)?.callId ?? null });
      return done;
    });
  } catch (error) {
    return fail(hub, row, error, parseResult);
  }
  for (const change of applied) await change.publish(hub);
  return { ...answer, webhookId: row.id };
}

/** The module threw, timed out or returned nonsense, or applying failed: 500 with a short JSON error. */
async function fail(hub: HubContext, row: Webhook, error: unknown, parseResult?: string): Promise<WebhookAnswer> {
  const hubError = toHubError(error);
  hub.log.warn(
    { connectionId: row.connection_id, webhookId: row.id, code: hubError.code, err: hubError.message },
    'webhook failed',
  );
  const body = JSON.stringify({ error: { code: hubError.code, message: hubError.message } });
  const headers = { 'Content-Type': 'application/json' };
  await hub.store.webhooks.finish(row.id, {
    status: 'failed',
    processed_at: isoNow(hub),
    response_status: 500,
    response_body: body,
    response_headers: JSON.stringify(headers),
    parse_result: parseResult ?? null,
    error: hubError.message,
  });
  return { status: 500, headers, body, webhookId: row.id };
}

function toFetchRequest(hub: HubContext, connection: Connection, row: Webhook): FetchRequest {
  const query = JSON.parse(row.query) as Record<string, string>;
  const search = new URLSearchParams(query).toString();
  const base = webhookUrl(hub, connection);
  return {
    method: row.method,
    url: `${base}${row.path === '/' ? '' : row.path}${search ? `?${search}` : ''}`,
    path: row.path,
    query,
    headers: makeHeaders(JSON.parse(row.headers) as Record<string, string>),
    body: row.body,
  };
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
