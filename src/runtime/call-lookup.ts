import type { Call } from '../storage/schema.js';
import { externalCallId } from './call-tracker.js';
import type { TrackerInput } from './call-tracker.js';

/**
 * How long before a call record's arrival (plus its duration) the call it describes may have started:
 * ringing, queueing and a late CDR together rarely take an hour.
 */
export const RECORD_MATCH_WINDOW_SECONDS = 3600;

/** One way to find the call an input belongs to, among the connection's calls. */
export type CallLookup =
  | { by: 'external_id'; externalId: string }
  | {
      by: 'numbers';
      direction: Call['direction'];
      /** Compared with `calls.src_phone` / `calls.dst_phone` exactly as given. */
      srcPhone: string;
      dstPhone: string;
      /** Only calls whose status is not `ended`. */
      openOnly: boolean;
      /** Only calls with `external_id` null: a record with an id the events never had. */
      withoutExternalId: boolean;
      /** Only calls with `started_at` in [startedFrom, startedTo] (ISO-8601), when given. */
      startedFrom?: string;
      startedTo?: string;
    };

/**
 * Where to look for the call of an input, as ELMA365 groups them: by the provider's callId, else by
 * (srcPhone, dstPhone, direction) of an open call. A call record, which comes after the call, also
 * matches a finished call by numbers and time. Try the lookups in order; the first that finds a call
 * wins, and among several matches the most recently started one. When none finds a call, call
 * `trackCall` with `undefined` and it starts a new one.
 */
export function callLookup(input: TrackerInput): CallLookup[] {
  const source = input.kind === 'event' ? input.event : input.record;
  const externalId = externalCallId(source);
  const numbers = {
    by: 'numbers',
    direction: source.direction,
    srcPhone: source.srcPhone,
    dstPhone: source.dstPhone,
  } as const;
  const byId: CallLookup[] = externalId === null ? [] : [{ by: 'external_id', externalId }];

  if (input.kind === 'event') {
    return externalId === null ? [{ ...numbers, openOnly: true, withoutExternalId: false }] : byId;
  }
  const arrived = Date.parse(input.at);
  const duration = Number.isFinite(Number(input.record.duration)) ? Math.max(0, Number(input.record.duration)) : 0;
  const window = Number.isFinite(arrived)
    ? {
        startedFrom: new Date(arrived - (duration + RECORD_MATCH_WINDOW_SECONDS) * 1000).toISOString(),
        startedTo: input.at,
      }
    : {};
  return [...byId, { ...numbers, openOnly: false, withoutExternalId: externalId !== null, ...window }];
}
