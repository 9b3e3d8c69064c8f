/** The webhook inbox as the admin sees it: stored requests with their outcome, and replaying one. */
import type { Page, Webhook, WebhookFilter } from '../storage/index.js';
import { HubError } from './errors.js';
import type { Hub } from './hub.js';
import type { HubContext } from './hub-context.js';
import { withCursor } from './list-query.js';

export interface WebhookView {
  id: number;
  connectionId: string;
  method: string;
  /** Below the connection's webhook URL, e.g. `/events/call`. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  receivedAt: string;
  status: Webhook['status'];
  responseStatus: number | null;
  responseBody: string | null;
  /** What the module reported: `{event, callRecord}`. */
  parseResult: unknown;
  error: string | null;
  callId: string | null;
  processedAt: string | null;
  attempts: number;
}

export interface ReplayView {
  /** What the provider would have been answered this time. */
  outcome: { status: number; body: string };
  webhook: WebhookView;
}

export function toWebhookView(row: Webhook): WebhookView {
  return {
    id: row.id,
    connectionId: row.connection_id,
    method: row.method,
    path: row.path,
    query: parseJson(row.query) as Record<string, string>,
    headers: parseJson(row.headers) as Record<string, string>,
    body: row.body,
    receivedAt: row.received_at,
    status: row.status,
    responseStatus: row.response_status,
    responseBody: row.response_body,
    parseResult: row.parse_result === null ? null : parseJson(row.parse_result),
    error: row.error,
    callId: row.call_id,
    processedAt: row.processed_at,
    attempts: row.attempts,
  };
}

/** Newest first. A cursor the client made up is a validation error naming `cursor`. */
export async function listWebhooks(hub: HubContext, filter: WebhookFilter): Promise<Page<WebhookView>> {
  const page = await withCursor(hub.store.webhooks.list(filter));
  return { items: page.items.map(toWebhookView), nextCursor: page.nextCursor };
}

/** Runs the stored request through the module again, as if it had just arrived. */
export async function replayWebhook(hub: Hub, id: number): Promise<ReplayView> {
  const answer = await hub.intake.replay(id);
  const row = await hub.store.webhooks.get(id);
  if (!row) throw new HubError('not_found', `Webhook ${id} was deleted while it was replayed`);
  return { outcome: { status: answer.status, body: answer.body }, webhook: toWebhookView(row) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
