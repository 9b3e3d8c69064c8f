import { VoipCallDirection } from '../contract/index.js';
import type { VoipWebhookRequest } from '../contract/index.js';

/** Who is who in an event or call record: the agent's side and the client's side. */
export interface Parties {
  /** The agent's extension, without whitespace; null when no side is an agent (IVR, queue, unknown). */
  agentExtension: string | null;
  /** The user bound to `agentExtension`; null when the extension is not bound. */
  agentUserId: string | null;
  /** The other side as the module gave it (trimmed); for internal calls the other extension. */
  clientNumber: string;
}

/** The numbers `resolveParties` reads; both `VoipWebhookRequest` and `VoipCallRecord` fit. */
export type PartyNumbers = Pick<
  VoipWebhookRequest,
  'direction' | 'srcPhone' | 'dstPhone' | 'srcPhoneExt' | 'dstPhoneExt'
>;

type Side = 'src' | 'dst';
interface Candidate {
  value: string | undefined;
  /** Where the client is when this candidate is the agent. */
  clientSide: Side;
}

/** Every extension `resolveParties` may look up in the bindings: only these need loading. */
export function namedExtensions(event: PartyNumbers): string[] {
  const values = [event.srcPhone, event.dstPhone, event.srcPhoneExt, event.dstPhoneExt];
  return [...new Set(values.map((value) => normaliseExtension(value ?? '')).filter((value) => value !== ''))];
}

/**
 * Finds the agent and the client of an event (contract research §1.2, §3.3).
 *
 * With bindings, the first bound candidate wins, in this order: `dstPhone` (ELMA365 matches
 * `VoipMember.id` with `dstPhone`, and legacy modules put the extension there whatever the
 * direction); `srcPhone` for outgoing and internal calls (the 2026 contract's meaning); then
 * `srcPhoneExt` and `dstPhoneExt`. The 2026 SDK pairs those with the *client's* number
 * (`srcPhoneExt`: the agent an incoming call from the external `srcPhone` reaches; `dstPhoneExt`: the
 * agent calling the external `dstPhone`), so after them the client is taken by direction.
 *
 * Without a bound candidate, the agent is whatever looks like an extension (see
 * `looksLikeExtension`): incoming, `dstPhone`; outgoing and internal, `srcPhone`, or `dstPhone` when
 * `srcPhone` does not look like one (legacy modules); then the explicit `*PhoneExt` fields.
 * The client is the other side.
 */
export function resolveParties(event: PartyNumbers, bindings: ReadonlyMap<string, string>): Parties {
  const bound = new Map<string, string>();
  for (const [extension, userId] of bindings) bound.set(normaliseExtension(extension), userId);

  const fromAgentSide = event.direction !== VoipCallDirection.In;
  const clientByDirection: Side = fromAgentSide ? 'dst' : 'src';
  const byBinding: Candidate[] = [
    { value: event.dstPhone, clientSide: 'src' },
    ...(fromAgentSide ? [{ value: event.srcPhone, clientSide: 'dst' } as const] : []),
    { value: event.srcPhoneExt, clientSide: clientByDirection },
    { value: event.dstPhoneExt, clientSide: clientByDirection },
  ];
  for (const candidate of byBinding) {
    const extension = normaliseExtension(candidate.value ?? '');
    const userId = bound.get(extension);
    if (extension !== '' && userId !== undefined) return parties(event, candidate.clientSide, extension, userId);
  }

  const byShape: Candidate[] = [
    fromAgentSide ? { value: event.srcPhone, clientSide: 'dst' } : { value: event.dstPhone, clientSide: 'src' },
    ...(fromAgentSide ? [{ value: event.dstPhone, clientSide: 'src' } as const] : []),
  ];
  for (const candidate of byShape) {
    if (looksLikeExtension(candidate.value ?? '')) {
      return parties(event, candidate.clientSide, normaliseExtension(candidate.value ?? ''), null);
    }
  }
  for (const candidate of byBinding.slice(-2)) {
    const extension = normaliseExtension(candidate.value ?? '');
    if (extension !== '') return parties(event, candidate.clientSide, extension, null);
  }

  const clientNumber = fromAgentSide && event.dstPhone.trim() !== '' ? event.dstPhone : event.srcPhone;
  return { agentExtension: null, agentUserId: null, clientNumber: clientNumber.trim() };
}

/**
 * Whether a number reads as a PBX extension rather than a phone number: 1 to 6 digits once spaces
 * are dropped. Real phone numbers (E.164, national, with a trunk prefix) are 7 digits or longer;
 * SIP URIs and `+` numbers are never extensions.
 */
export function looksLikeExtension(value: string): boolean {
  return /^\d{1,6}$/.test(normaliseExtension(value));
}

/** Extensions compare without whitespace, so " 101" from a PBX and "101" in a binding match. */
export function normaliseExtension(value: string): string {
  return value.replace(/\s+/g, '');
}

function parties(event: PartyNumbers, clientSide: Side, extension: string, userId: string | null): Parties {
  const client = clientSide === 'src' ? event.srcPhone : event.dstPhone;
  return { agentExtension: extension, agentUserId: userId, clientNumber: client.trim() };
}
