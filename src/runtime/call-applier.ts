/**
 * Applies what a module reported (an event, a call record) to the calls: finds the call, runs the
 * tracker, links the contact and the click-to-call request, saves, and tells the users concerned.
 */
import type { VoipCallRecord, VoipWebhookRequest } from '../contract/index.js';
import type { CallSnapshot, Connection } from '../storage/index.js';
import { callLookup, type CallLookup } from './call-lookup.js';
import type { CallNotice, TrackerInput } from './call-tracker.js';
import { replayCall, type Told } from './call-replay.js';
import { callView } from './call-view.js';
import type { LiveEventInput } from './event-bus.js';
import type { HubContext } from './hub-context.js';
import { isExtension, normalizePhone } from './phone.js';
import { namedExtensions, resolveParties } from './user-resolution.js';

/** How long after a click-to-call request the PBX's call for it may start. */
const ORIGINATION_WINDOW_MS = 120_000;

export type Reported = { event: VoipWebhookRequest } | { record: VoipCallRecord };

export interface Applied {
  /** The call it touched. */
  callId: string;
  /** Tells the users concerned; run once the change is committed, so nobody hears of an unsaved call. */
  publish(hub: HubContext): Promise<void>;
}

/**
 * `webhookId` names the inbox row: a crash between saving the call and finishing the row leaves the row
 * pending, and handling it again must not apply it twice.
 */
export async function applyReported(
  hub: HubContext,
  connection: Connection,
  reported: Reported,
  at: string,
  webhookId?: number,
): Promise<Applied> {
  const numbers = 'event' in reported ? reported.event : reported.record;
  const bindings = new Map(
    (await hub.store.connections.bindingsOf(connection.id, namedExtensions(numbers))).map((binding) => [
      binding.extension,
      binding.user_id,
    ]),
  );
  const parties = resolveParties(numbers, bindings);
  const clientNumber = normalizePhone(parties.clientNumber, connection.default_country);
  // The provider's time, when the module gives it, dates the call as well as ordering it.
  const input: TrackerInput =
    'event' in reported
      ? {
          kind: 'event',
          event: reported.event,
          parties: { ...parties, clientNumber },
          at: typeof reported.event.occurredAt === 'string' ? reported.event.occurredAt : at,
          ...(webhookId === undefined ? {} : { webhookId }),
        }
      : {
          kind: 'record',
          record: reported.record,
          parties: { ...parties, clientNumber },
          at,
          ...(webhookId === undefined ? {} : { webhookId }),
        };

  const current = await findCall(hub, connection.id, callLookup(input));
  const stored = current ? await storedInputs(hub, current.call.id) : [];
  if (webhookId !== undefined && stored.some((done) => done.webhookId === webhookId && done.kind === input.kind)) {
    return { callId: current!.call.id, publish: async () => {} };
  }
  const history = current && { snapshot: current, inputs: stored, ...toldOf(stored.at(-1)) };
  const result = replayCall(history, input, { newId: hub.newId, connectionId: connection.id });
  const { call } = result.snapshot;

  if (!call.contact_id) call.contact_id = await contactFor(hub, connection, call);
  if (!call.origination_id && call.direction !== 'in') await linkOrigination(hub, connection, result.snapshot);

  await hub.store.calls.save(
    result.snapshot,
    result.timeline.map((entry, n) => ({
      at: entry.at,
      kind: entry.kind,
      detail: JSON.stringify(entry.detail),
      input: n === 0 ? JSON.stringify({ ...input, told: result.told } satisfies StoredInput) : null,
    })),
  );
  return { callId: call.id, publish: (committed) => publishNotices(committed, result.snapshot, result.notices) };
}

/** An input as kept with the call, with what users had been told once it was applied. */
type StoredInput = TrackerInput & { told?: Told };

async function storedInputs(hub: HubContext, callId: string): Promise<StoredInput[]> {
  return (await hub.store.calls.listInputs(callId)).map((json) => JSON.parse(json) as StoredInput);
}

function toldOf(last: StoredInput | undefined): { told?: Told } {
  return last?.told ? { told: last.told } : {};
}

async function findCall(
  hub: HubContext,
  connectionId: string,
  lookups: CallLookup[],
): Promise<CallSnapshot | undefined> {
  for (const lookup of lookups) {
    const found =
      lookup.by === 'external_id'
        ? await hub.store.calls.findByExternalId(connectionId, lookup.externalId)
        : lookup.openOnly
          ? await hub.store.calls.findOpen({ connectionId, ...lookup })
          : await hub.store.calls.findForRecord({
              connectionId,
              direction: lookup.direction,
              srcPhone: lookup.srcPhone,
              dstPhone: lookup.dstPhone,
              from: lookup.startedFrom ?? '0000',
              to: lookup.startedTo ?? '9999',
            });
    if (found && !(lookup.by === 'numbers' && lookup.withoutExternalId && found.call.external_id !== null)) {
      return found;
    }
  }
  return undefined;
}

/**
 * The client's contact, found by number; unknown callers become contacts by the connection's policy
 * (on ring, on answer — ELMA365's default — or never), except the company's own numbers and extensions.
 */
async function contactFor(hub: HubContext, connection: Connection, call: CallSnapshot['call']): Promise<string | null> {
  const number = call.client_number;
  if (!number || call.direction === 'internal' || isExtension(number)) return null;
  const [existing] = await hub.store.contacts.findByNumber(number);
  if (existing) return existing.id;

  const policy = connection.unknown_caller_policy;
  const answered = call.answered_at !== null || call.disposition === 'answered';
  const due = policy === 'on_ring' || (policy === 'on_answer' && answered);
  const own = JSON.parse(connection.own_numbers) as string[];
  if (!due || own.includes(number) || !number.startsWith('+')) return null;

  const at = call.updated_at;
  const contact = await hub.store.contacts.create({
    name: number,
    company: null,
    email: null,
    notes: null,
    owner_id: call.owner_id,
    created_at: at,
    updated_at: at,
    phones: [{ number, raw: number, label: null }],
  });
  return contact.id;
}

/** Ties the PBX's call to the agent's click-to-call request: same extension and client, shortly after. */
async function linkOrigination(hub: HubContext, connection: Connection, snapshot: CallSnapshot): Promise<void> {
  const { call, legs } = snapshot;
  const extension = legs[0]?.extension;
  if (!extension) return;
  const since = new Date(Date.parse(call.started_at) - ORIGINATION_WINDOW_MS).toISOString();
  const origination = await hub.store.originations.findUnlinked({
    connectionId: connection.id,
    srcPhone: extension,
    dstPhone: call.client_number,
    since,
  });
  if (!origination) return;
  call.origination_id = origination.id;
  await hub.store.originations.link(origination.id, call.id);
}

async function publishNotices(hub: HubContext, snapshot: CallSnapshot, notices: CallNotice[]): Promise<void> {
  if (notices.length === 0) return;
  const view = await callView(hub, snapshot.call);
  const answeredLeg = [...snapshot.legs].reverse().find((leg) => leg.answered_at !== null && leg.user_id);
  const admins = notices.some((notice) => notice.toAdmins)
    ? (await hub.store.users.list()).filter((user) => user.role === 'admin').map((user) => user.id)
    : [];
  const events: LiveEventInput[] = [];
  for (const notice of notices) {
    const payload: Record<string, unknown> = { call: view };
    if (notice.type === 'call.answered' && answeredLeg?.user_id) {
      payload.answeredBy = { userId: answeredLeg.user_id, extension: answeredLeg.extension };
    }
    const users = new Set([...notice.userIds, ...(notice.toAdmins ? admins : [])]);
    for (const userId of users) events.push({ userId, type: notice.type, payload });
  }
  await hub.bus.publish(events);
}
