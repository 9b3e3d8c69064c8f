/**
 * A call rebuilt from everything reported about it, in the provider's order. Providers deliver a call's
 * notifications in parallel, so they arrive shuffled; `trackCall` alone would take them in arrival
 * order. Each new input is stored with the call, and the call is folded again from all its inputs
 * sorted by when they happened: events by `occurredAt` (the receive time when the module gives none),
 * records after every event, ties in arrival order. With arrival-ordered inputs this is exactly the
 * incremental fold, so modules that report no time behave as before.
 *
 * Users are told only what the new input changed: the notices of the fold over all inputs less those
 * already given when the earlier inputs were folded. An agent hears that a call ended, or was missed,
 * once; a call that has ended rings nobody.
 */
import type { CallLeg } from '../storage/schema.js';
import {
  trackCall,
  type CallNotice,
  type CallNoticeType,
  type CallSnapshot,
  type TrackerDeps,
  type TrackerInput,
  type TrackerResult,
  type TrackerTimelineEntry,
} from './call-tracker.js';

/** What the call was known as before this input: its stored snapshot and every input so far, in arrival order. */
export interface CallHistory {
  snapshot: CallSnapshot;
  inputs: TrackerInput[];
}

/** Told at most once per call and user, however often a fold reaches it. */
const ONCE: ReadonlySet<CallNoticeType> = new Set(['call.ended', 'call.missed']);
const ADMINS = '@admins';

/**
 * Applies `input` to the call of `history` (a new call when undefined). The snapshot keeps the stored
 * call's and legs' ids and what the tracker does not decide (contact, click-to-call link); the timeline
 * holds what the new input did.
 */
export function replayCall(history: CallHistory | undefined, input: TrackerInput, deps: TrackerDeps): TrackerResult {
  if (!history) return trackCall(undefined, input, deps);
  const inputs = [...history.inputs, input];
  const told = new Map<string, number>();
  let last: Fold | undefined;
  for (let n = 1; n <= inputs.length; n++) {
    last = fold(inputs.slice(0, n), deps);
    last.fresh = tell(last, told);
  }
  const result = last!;
  return {
    snapshot: keepIdentity(result.snapshot, history.snapshot, deps),
    timeline: result.timeline,
    notices: result.fresh,
  };
}

interface Fold {
  snapshot: CallSnapshot;
  /** The timeline entries of the newest input (the last one of the slice). */
  timeline: TrackerTimelineEntry[];
  /** How many times each (type, user) was noticed over the whole fold. */
  counts: Map<string, number>;
  fresh: CallNotice[];
}

function fold(inputs: TrackerInput[], deps: TrackerDeps): Fold {
  const newest = inputs[inputs.length - 1];
  let snapshot: CallSnapshot | undefined;
  let timeline: TrackerTimelineEntry[] = [];
  const counts = new Map<string, number>();
  for (const input of providerOrder(inputs)) {
    const step = trackCall(snapshot, input, deps);
    snapshot = step.snapshot;
    if (input === newest) timeline = step.timeline;
    for (const notice of step.notices) {
      for (const target of targets(notice))
        counts.set(key(notice.type, target), (counts.get(key(notice.type, target)) ?? 0) + 1);
    }
  }
  return { snapshot: snapshot!, timeline, counts, fresh: [] };
}

/** The notices `fold` owes beyond what `told` has given; `told` is brought up to date. */
function tell(result: Fold, told: Map<string, number>): CallNotice[] {
  const ended = result.snapshot.call.status === 'ended';
  const byType = new Map<CallNoticeType, Set<string>>();
  for (const [name, count] of result.counts) {
    const [type, target] = split(name);
    if (ended && type === 'call.ringing') continue;
    const owed = (ONCE.has(type) ? 1 : count) - (told.get(name) ?? 0);
    if (owed <= 0) continue;
    told.set(name, (told.get(name) ?? 0) + owed);
    if (!byType.has(type)) byType.set(type, new Set());
    byType.get(type)!.add(target);
  }
  return [...byType].map(([type, set]) => {
    const userIds = [...set].filter((target) => target !== ADMINS);
    return set.has(ADMINS) ? { type, userIds, toAdmins: true } : { type, userIds };
  });
}

/** Events by when they happened, then records; a stable sort keeps arrival order for ties. */
function providerOrder(inputs: TrackerInput[]): TrackerInput[] {
  const when = (input: TrackerInput) =>
    input.kind === 'event' && typeof input.event.occurredAt === 'string' ? input.event.occurredAt : input.at;
  return [...inputs].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'event' ? -1 : 1;
    return a.kind === 'record' ? 0 : when(a) < when(b) ? -1 : when(a) > when(b) ? 1 : 0;
  });
}

/** The fold made new ids; the call and its legs keep the ones they were stored with. */
function keepIdentity(folded: CallSnapshot, stored: CallSnapshot, deps: TrackerDeps): CallSnapshot {
  const legIds = new Map(stored.legs.map((leg) => [leg.extension, leg.id]));
  const call = {
    ...folded.call,
    id: stored.call.id,
    contact_id: stored.call.contact_id,
    origination_id: stored.call.origination_id,
  };
  const legs: CallLeg[] = folded.legs.map((leg) => ({
    ...leg,
    id: legIds.get(leg.extension) ?? deps.newId(),
    call_id: call.id,
  }));
  return { call, legs };
}

function targets(notice: CallNotice): string[] {
  return notice.toAdmins ? [...notice.userIds, ADMINS] : notice.userIds;
}

function key(type: CallNoticeType, target: string): string {
  return `${type} ${target}`;
}

function split(name: string): [CallNoticeType, string] {
  const space = name.indexOf(' ');
  return [name.slice(0, space) as CallNoticeType, name.slice(space + 1)];
}
