/** A call as the API and live events show it: camelCase, booleans, the contact and owner named. */
import type { Call, CallLeg, TimelineEntry } from '../storage/index.js';
import type { HubContext } from './hub-context.js';

export interface CallView {
  id: string;
  connectionId: string;
  direction: Call['direction'];
  status: Call['status'];
  missed: boolean;
  disposition: string;
  clientNumber: string;
  contactId: string | null;
  contact: { id: string; name: string; company: string | null } | null;
  ownerId: string | null;
  owner: { id: string; name: string } | null;
  externalId: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  duration: number | null;
  hasRecording: boolean;
  originationId: string | null;
}

export interface CallDetailsView extends CallView {
  legs: Array<{
    id: string;
    extension: string;
    userId: string | null;
    status: CallLeg['status'];
    outcome: CallLeg['outcome'];
    rungAt: string;
    answeredAt: string | null;
    endedAt: string | null;
  }>;
  timeline: Array<{ at: string; kind: string; detail: unknown }>;
}

/** Views for several calls, loading each contact and owner once. */
export async function callViews(hub: HubContext, calls: readonly Call[]): Promise<CallView[]> {
  const contacts = new Map<string, CallView['contact']>();
  const owners = new Map<string, CallView['owner']>();
  for (const call of calls) {
    if (call.contact_id && !contacts.has(call.contact_id)) {
      const contact = await hub.store.contacts.get(call.contact_id);
      contacts.set(call.contact_id, contact ? { id: contact.id, name: contact.name, company: contact.company } : null);
    }
    if (call.owner_id && !owners.has(call.owner_id)) {
      const owner = await hub.store.users.get(call.owner_id);
      owners.set(call.owner_id, owner ? { id: owner.id, name: owner.name } : null);
    }
  }
  return calls.map((call) => ({
    id: call.id,
    connectionId: call.connection_id,
    direction: call.direction,
    status: call.status,
    missed: call.missed === 1,
    disposition: call.disposition,
    clientNumber: call.client_number,
    contactId: call.contact_id,
    contact: (call.contact_id && contacts.get(call.contact_id)) || null,
    ownerId: call.owner_id,
    owner: (call.owner_id && owners.get(call.owner_id)) || null,
    externalId: call.external_id,
    startedAt: call.started_at,
    answeredAt: call.answered_at,
    endedAt: call.ended_at,
    duration: call.duration,
    hasRecording: call.has_recording === 1,
    originationId: call.origination_id,
  }));
}

export async function callView(hub: HubContext, call: Call): Promise<CallView> {
  const [view] = await callViews(hub, [call]);
  return view as CallView;
}

export async function callDetailsView(
  hub: HubContext,
  details: { call: Call; legs: CallLeg[]; timeline: TimelineEntry[] },
): Promise<CallDetailsView> {
  return {
    ...(await callView(hub, details.call)),
    legs: details.legs.map((leg) => ({
      id: leg.id,
      extension: leg.extension,
      userId: leg.user_id,
      status: leg.status,
      outcome: leg.outcome,
      rungAt: leg.rung_at,
      answeredAt: leg.answered_at,
      endedAt: leg.ended_at,
    })),
    timeline: details.timeline.map((entry) => ({ at: entry.at, kind: entry.kind, detail: parseJson(entry.detail) })),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
