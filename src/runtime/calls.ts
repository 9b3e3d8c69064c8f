/**
 * Call history as users may see it: admins see every call, agents only the calls they took part in
 * (owner, or rung in a leg). A call an agent may not see is "not found", so its existence does not leak.
 */
import type { CallDetails, CallFilter, User } from '../storage/index.js';
import { callDetailsView, callViews, type CallDetailsView, type CallView } from './call-view.js';
import { DEFAULT_COUNTRY } from './contacts.js';
import { HubError } from './errors.js';
import type { HubContext } from './hub-context.js';
import {
  queryBoolean,
  queryChoice,
  queryPage,
  queryText,
  queryTime,
  withCursor,
  type QueryValues,
} from './list-query.js';
import { normalizePhone } from './phone.js';
import { recording, type Recording } from './recordings.js';

type Viewer = Pick<User, 'id' | 'role'>;
const HOUR_MS = 3_600_000;

/** The query string of `GET /calls`, checked; newest first. */
export async function listCalls(
  hub: HubContext,
  viewer: Viewer,
  query: QueryValues,
): Promise<{ items: CallView[]; nextCursor: string | null }> {
  const filter: CallFilter = { ...queryPage(query) };
  const status = queryChoice(query, 'status', ['ringing', 'talking', 'ended'] as const);
  const direction = queryChoice(query, 'direction', ['in', 'out', 'internal'] as const);
  const userId = queryText(query, 'userId');
  const contactId = queryText(query, 'contactId');
  const phone = queryText(query, 'phone');
  const missed = queryBoolean(query, 'missed');
  const since = queryTime(query, 'since');
  const until = queryTime(query, 'until');
  if (status) filter.status = status;
  if (direction) filter.direction = direction;
  if (userId) filter.userId = userId;
  if (contactId) filter.contactId = contactId;
  if (phone) filter.phone = normalizePhone(phone, DEFAULT_COUNTRY);
  if (missed !== undefined) filter.missed = missed;
  if (since) filter.since = since;
  if (until) filter.until = until;
  if (viewer.role !== 'admin') {
    if (userId !== undefined && userId !== viewer.id) {
      throw new HubError('forbidden', "Only an admin can list another user's calls");
    }
    filter.userId = viewer.id;
  }
  const page = await withCursor(hub.store.calls.list(filter));
  return { items: await callViews(hub, page.items), nextCursor: page.nextCursor };
}

export async function visibleCall(hub: HubContext, viewer: Viewer, id: string): Promise<CallDetails> {
  const details = await hub.store.calls.get(id);
  const involved =
    details !== undefined &&
    (viewer.role === 'admin' ||
      details.call.owner_id === viewer.id ||
      details.legs.some((leg) => leg.user_id === viewer.id));
  if (!details || !involved) throw new HubError('not_found', `There is no call ${id}`);
  return details;
}

export async function callDetailsFor(hub: HubContext, viewer: Viewer, id: string): Promise<CallDetailsView> {
  return callDetailsView(hub, await visibleCall(hub, viewer, id));
}

/** The recording of a call the viewer may see: fresh from the module each time (providers' links expire). */
export async function recordingFor(hub: HubContext, viewer: Viewer, id: string): Promise<Recording> {
  await visibleCall(hub, viewer, id);
  return recording(hub, id);
}

/** The user's calls still ringing or in talk, newest first: the popups to show on connect. */
export async function liveCallsFor(hub: HubContext, userId: string): Promise<CallView[]> {
  return callViews(hub, await hub.store.calls.listLive(userId));
}

/** Missed calls of the user since `since` (default: the last 24 hours). */
export async function missedCount(hub: HubContext, userId: string, query: QueryValues): Promise<number> {
  const since = queryTime(query, 'since') ?? new Date(hub.now().getTime() - 24 * HOUR_MS).toISOString();
  return hub.store.calls.countMissed(userId, since);
}

export interface TodayStats {
  live: number;
  perAgent: Array<{ userId: string; name: string; answered: number; missed: number; talkSeconds: number }>;
  /** The last 24 hours, oldest first, every hour present; `hour` is its start. */
  perHour: Array<{ hour: string; in: number; out: number; missed: number }>;
}

/** Per agent since `since` (default: today's UTC midnight; the UI sends its local midnight). */
export async function todayStats(hub: HubContext, query: QueryValues): Promise<TodayStats> {
  const now = hub.now().getTime();
  const since = queryTime(query, 'since') ?? new Date(now - (now % (24 * HOUR_MS))).toISOString();
  const firstHour = now - (now % HOUR_MS) - 23 * HOUR_MS;
  const hours = await hub.store.calls.statsPerHour(new Date(firstHour).toISOString());
  const byHour = new Map(hours.map(({ hour, ...counts }) => [hour, counts]));
  const perHour = Array.from({ length: 24 }, (_, i) => {
    const hour = new Date(firstHour + i * HOUR_MS).toISOString();
    return { hour, ...(byHour.get(hour.slice(0, 13)) ?? { in: 0, out: 0, missed: 0 }) };
  });
  return { live: await hub.store.calls.countLive(), perAgent: await hub.store.calls.statsPerAgent(since), perHour };
}
