/**
 * AMI call events → the hub's events and call records. Pure: the connector loads the call's state
 * from the module storage, this file moves it and says what to report, the connector saves it.
 *
 * One call is everything with one `Linkedid` (the Uniqueid of its oldest channel; AMI_Events docs,
 * "Linkedid"), plus the consultation calls an agent places while talking in it (folded in by the
 * connector). An agent's channel is `<technology>/<extension>-<8 hex>`, the extension 1-6 digits;
 * any other channel (a trunk, a Local channel) is the PBX side.
 *
 *   DialBegin → agent           start for that agent (incoming, or internal when an agent called)
 *   DialBegin agent → trunk     start for the calling agent (outgoing)
 *   DialEnd ANSWER              answer; any other DialStatus: end with it (CANCEL for the others of a group)
 *   BlindTransfer to <ext>      start for the target at once, so the call stays open while it rings
 *   Hangup of an agent's channel  end for that agent (answered when it talked)
 *   Hangup of the last channel  end of the whole call, when an agent was left open (events lost)
 *   CoreShowChannel (reconnect) an agent found talking (or ringing) in a call begun during the gap, or
 *                               found talking who was ringing when the stream stopped
 *   MixMonitorStart             the call is recorded; Cdr → the call record
 */
import { VoipCallDirection, VoipCallDisposition, VoipWebhookEvent } from '../../contract/index.js';
import type { VoipCallRecord, VoipWebhookRequest } from '../../contract/index.js';
import { amiTime, type AmiMessage } from './asterisk-ami-protocol.js';

export type AgentStatus = 'ringing' | 'talking' | 'ended';

export interface AmiAgent {
  /** The agent's channel in this call ('' while a blind transfer rings it and its channel is not seen yet). */
  uniqueid: string;
  status: AgentStatus;
  /** The agent answered in this call. */
  talked?: boolean;
  /** Rung by a colleague's consultation that has not been transferred (yet): the client never talked to them. */
  consult?: boolean;
  /** Event times (ISO) of the answer and the end, for a record made from events (ARI has no Cdr). */
  answeredAt?: string;
  endedAt?: string;
}

/** What the connector keeps per call (module storage `ami:call:<id>`). */
export interface AmiCall {
  /** The Linkedid: the call id the hub sees. */
  id: string;
  direction: VoipCallDirection;
  /** The client's number; for an internal call the calling agent's extension. */
  client: string;
  /** The number dialled into the PBX (the DID) for incoming calls. */
  line: string;
  /** Agents by extension. */
  agents: Record<string, AmiAgent>;
  /** Live channels: Uniqueid → the agent's extension, or '' for the PBX side. */
  channels: Record<string, string>;
  /** A channel of the call is being recorded (MixMonitorStart; ARI: RecordingStarted, with the stored name). */
  recording?: { uniqueid: string; at?: string; stored?: string };
  cdr?: AmiCdrTotal;
  /** Every channel hung up, or the call was ended after a gap. */
  ended?: boolean;
  /** The latest event Timestamp of the call (the PBX's clock), for dating a gap's end after it. */
  lastAt?: string;
  /** Other Linkedids folded into this call (consultations), to forget with it. */
  links?: string[];
  /** Host time (ms) it was first seen, to forget it a day later. */
  seenAt: number;
}

export interface AmiCdrTotal {
  /** `UniqueID|DestinationChannel` of each Cdr applied: a repeated one changes nothing. */
  seen: string[];
  billsec: number;
  answered: boolean;
  /** Agents with an answered Cdr with the client. */
  talkedWith: string[];
  /** The agent of the latest answered Cdr (the one who finished the call), else of the first one. */
  agent?: string;
  disposition: VoipCallDisposition;
  source: string;
  destination: string;
}

/** What an event asks the connector to report. */
export type AmiOutcome =
  | { kind: 'none' }
  | { kind: 'agent'; event: VoipWebhookEvent; extension: string; disposition: VoipCallDisposition }
  /** The whole call is over and some agent was still open (its own events were lost). */
  | { kind: 'call-end' };

const NONE: AmiOutcome = { kind: 'none' };

/** The agent's extension of a channel name, or undefined for the PBX side (trunks, Local channels). */
export function agentOf(channel: string | undefined, technology: string): string | undefined {
  const match = /^([A-Za-z0-9]+)\/(.+)-[0-9a-f]{8}$/i.exec(channel ?? '');
  if (!match || match[1]!.toUpperCase() !== technology.toUpperCase()) return undefined;
  return /^\d{1,6}$/.test(match[2]!) ? match[2] : undefined;
}

/** The Linkedid an event belongs to, by its kind; undefined when it names none. */
export function linkedidOf(message: AmiMessage): string | undefined {
  switch (message.event?.toLowerCase()) {
    case 'blindtransfer':
      return message.transfereelinkedid || message.transfererlinkedid || undefined;
    case 'attendedtransfer':
      return message.origtransfererlinkedid || message.transfereelinkedid || undefined;
    case 'dialbegin':
    case 'dialend':
      return message.linkedid || message.destlinkedid || undefined;
    default:
      return message.linkedid || message.uniqueid || undefined;
  }
}

/** A call first seen by this event; its first channel says incoming (a trunk) or outgoing (an agent). */
export function newCall(message: AmiMessage, id: string, technology: string, seenAt: number): AmiCall {
  const uniqueid = message.uniqueid ?? message.destuniqueid;
  const channel = message.channel ?? message.destchannel;
  const agent = agentOf(channel, technology);
  const first = uniqueid === id;
  const call: AmiCall = { id, direction: VoipCallDirection.In, client: '', line: '', agents: {}, channels: {}, seenAt };
  if (first && agent) {
    call.direction = VoipCallDirection.Out;
    call.client = isPhoneNumber(message.exten) ? message.exten! : '';
  } else if (first) {
    call.client = message.calleridnum ?? '';
    call.line = message.exten ?? '';
  } else {
    call.client = message.connectedlinenum ?? message.calleridnum ?? '';
  }
  return call;
}

/** Applies one call event to `call` (changed in place) and says what to report. */
export function applyCallEvent(call: AmiCall, message: AmiMessage, technology: string): AmiOutcome {
  const agent = (channel: string | undefined) => agentOf(channel, technology);
  switch (message.event?.toLowerCase()) {
    case 'newchannel':
      if (message.uniqueid) call.channels[message.uniqueid] = agent(message.channel) ?? '';
      return NONE;

    case 'dialbegin': {
      const destUid = message.destuniqueid ?? '';
      const dest = agent(message.destchannel);
      if (destUid) call.channels[destUid] = dest ?? '';
      // Originate rings its channel with no caller channel: the call starts when that channel dials.
      if (!message.channel) return NONE;
      const caller = agent(message.channel);
      if (message.uniqueid) call.channels[message.uniqueid] = caller ?? '';
      if (dest) {
        if (caller && call.direction === VoipCallDirection.Out && Object.keys(call.agents).length === 0) {
          call.direction = VoipCallDirection.Internal;
          call.client = caller;
        }
        const known = call.agents[dest];
        call.agents[dest] = { uniqueid: destUid, status: 'ringing' };
        // A blind transfer announced this agent already.
        if (known?.status === 'ringing') return NONE;
        return agentStep(VoipWebhookEvent.NotifyStart, dest);
      }
      if (!caller || call.direction === VoipCallDirection.In || call.agents[caller]) return NONE;
      call.direction = VoipCallDirection.Out;
      if (!call.client) call.client = dialledNumber(message);
      call.agents[caller] = { uniqueid: message.uniqueid ?? '', status: 'ringing' };
      return agentStep(VoipWebhookEvent.NotifyStart, caller);
    }

    case 'dialend': {
      const status = (message.dialstatus ?? '').toUpperCase();
      const dest = agent(message.destchannel);
      const caller = agent(message.channel);
      const extension =
        dest && call.agents[dest]?.uniqueid === message.destuniqueid
          ? dest
          : !dest &&
              caller &&
              call.direction === VoipCallDirection.Out &&
              call.agents[caller]?.uniqueid === message.uniqueid
            ? caller
            : undefined;
      const leg = extension === undefined ? undefined : call.agents[extension];
      if (extension === undefined || !leg || leg.status !== 'ringing') return NONE;
      if (status === 'ANSWER') {
        leg.status = 'talking';
        leg.talked = true;
        return agentStep(VoipWebhookEvent.NotifyAnswer, extension);
      }
      leg.status = 'ended';
      return agentStep(VoipWebhookEvent.NotifyEnd, extension, dialStatusDisposition(status));
    }

    case 'bridgeenter': {
      // Normally DialEnd ANSWER came first; this covers a lost one.
      const extension = agent(message.channel);
      const leg = extension === undefined ? undefined : call.agents[extension];
      if (!leg || leg.status !== 'ringing' || leg.uniqueid !== message.uniqueid) return NONE;
      leg.status = 'talking';
      leg.talked = true;
      return agentStep(VoipWebhookEvent.NotifyAnswer, extension!);
    }

    case 'blindtransfer': {
      const target = (message.extension ?? '').trim();
      if ((message.result ?? 'Success').toLowerCase() !== 'success' || !/^\d{1,6}$/.test(target)) return NONE;
      const known = call.agents[target];
      if (known && known.status !== 'ended') return NONE;
      call.agents[target] = { uniqueid: '', status: 'ringing' };
      return agentStep(VoipWebhookEvent.NotifyStart, target);
    }

    case 'attendedtransfer': {
      if ((message.result ?? 'Success').toLowerCase() !== 'success') return NONE;
      const target = agent(message.transfertargetchannel);
      const known = target ? call.agents[target] : undefined;
      // The consulted agent now talks with the client.
      if (known) delete known.consult;
      if (!target || (known && known.status !== 'ended')) return NONE;
      // The consultation was not folded into this call when it was dialled: the target joins it talking.
      call.agents[target] = { uniqueid: message.transfertargetuniqueid ?? '', status: 'talking', talked: true };
      if (message.transfertargetuniqueid) call.channels[message.transfertargetuniqueid] = target;
      return agentStep(VoipWebhookEvent.NotifyAnswer, target);
    }

    case 'coreshowchannel': {
      // Listed after a reconnect: a call that began while the hub was away is picked up where it stands.
      const uniqueid = message.uniqueid;
      if (!uniqueid) return NONE;
      const extension = agent(message.channel);
      call.channels[uniqueid] = extension ?? '';
      const known = extension ? call.agents[extension] : undefined;
      // Ringing when the stream stopped, answered during the gap: its DialEnd was lost.
      if (known?.status === 'ringing' && known.uniqueid === uniqueid && message.channelstate === '6') {
        known.status = 'talking';
        known.talked = true;
        return agentStep(VoipWebhookEvent.NotifyAnswer, extension!);
      }
      if (!extension || known) return NONE;
      if (message.channelstate === '6') {
        call.agents[extension] = { uniqueid, status: 'talking', talked: true };
        return agentStep(VoipWebhookEvent.NotifyAnswer, extension);
      }
      if (message.channelstate === '5' && call.direction === VoipCallDirection.In) {
        call.agents[extension] = { uniqueid, status: 'ringing' };
        return agentStep(VoipWebhookEvent.NotifyStart, extension);
      }
      return NONE;
    }

    case 'mixmonitorstart':
      if (!call.recording && message.uniqueid) {
        const at = amiTime(message.timestamp);
        call.recording = { uniqueid: message.uniqueid, ...(at ? { at } : {}) };
      }
      return NONE;

    case 'hangup': {
      const uniqueid = message.uniqueid ?? '';
      const extension = call.channels[uniqueid] || agent(message.channel);
      delete call.channels[uniqueid];
      const leg = extension ? call.agents[extension] : undefined;
      let outcome: AmiOutcome = NONE;
      if (leg && leg.uniqueid === uniqueid && leg.status !== 'ended') {
        const talked = leg.status === 'talking';
        leg.status = 'ended';
        outcome = agentStep(
          VoipWebhookEvent.NotifyEnd,
          extension!,
          talked ? VoipCallDisposition.Answered : causeDisposition(message.cause),
        );
      }
      if (Object.keys(call.channels).length === 0 && !call.ended) {
        call.ended = true;
        if (outcome.kind === 'none' && endOpenAgents(call)) return { kind: 'call-end' };
      }
      return outcome;
    }
  }
  return NONE;
}

/** Ends the call after a gap in the event stream; true when some agent was still open. */
export function endOpenAgents(call: AmiCall): boolean {
  call.ended = true;
  call.channels = {};
  let open = false;
  for (const leg of Object.values(call.agents)) {
    if (leg.status !== 'ended') open = true;
    leg.status = 'ended';
  }
  return open;
}

/** The hub's event for one agent of the call, or for the whole call. */
export function toWebhookEvent(
  call: AmiCall,
  outcome: Exclude<AmiOutcome, { kind: 'none' }>,
  occurredAt: string | undefined,
): VoipWebhookRequest {
  const client = call.client || 'unknown';
  const when = occurredAt ? { occurredAt } : {};
  if (outcome.kind === 'call-end') {
    // Neither side looks like an extension, so the hub ends the call with every open leg.
    const pbx = call.line && !/^\d{1,6}$/.test(call.line) ? call.line : 'PBX';
    const [srcPhone, dstPhone] = call.direction === VoipCallDirection.In ? [client, pbx] : [pbx, client];
    return {
      event: VoipWebhookEvent.NotifyEnd,
      direction: call.direction === VoipCallDirection.Internal ? VoipCallDirection.Out : call.direction,
      srcPhone: call.direction === VoipCallDirection.Internal ? pbx : srcPhone,
      dstPhone: call.direction === VoipCallDirection.Internal ? pbx : dstPhone,
      disposition: VoipCallDisposition.Unknown,
      callId: call.id,
      ...when,
    };
  }
  const { extension } = outcome;
  const [srcPhone, dstPhone] =
    call.direction === VoipCallDirection.In
      ? [client, extension]
      : [
          call.direction === VoipCallDirection.Out ? extension : client,
          call.direction === VoipCallDirection.Out ? client : extension,
        ];
  return {
    event: outcome.event,
    direction: call.direction,
    srcPhone,
    dstPhone,
    disposition: outcome.disposition,
    callId: call.id,
    ...when,
  };
}

/**
 * Adds one Cdr (cdr_manager; AMI_Events "Cdr") to the call's total; undefined when it was applied
 * before. Asterisk writes a Cdr per pair of parties, so a group call or a transfer has several: talk
 * time is the sum of the answered ones, the agent the last one who answered.
 */
export function addCdr(call: AmiCall | undefined, message: AmiMessage, technology: string): AmiCdrTotal | undefined {
  const key = `${message.uniqueid ?? ''}|${message.destinationchannel ?? ''}`;
  const total: AmiCdrTotal = call?.cdr
    ? { ...call.cdr, seen: [...call.cdr.seen] }
    : {
        seen: [],
        billsec: 0,
        answered: false,
        talkedWith: [],
        disposition: VoipCallDisposition.Unknown,
        source: message.source ?? '',
        destination: message.destination ?? '',
      };
  if (total.seen.includes(key)) return undefined;
  total.seen.push(key);
  const answered = (message.disposition ?? '').toUpperCase() === 'ANSWERED';
  const agent = agentOf(message.destinationchannel, technology) ?? agentOf(message.channel, technology);
  const billsec = Number(message.billableseconds);
  // Two agents' Cdr in a client's call is a consultation: the client was on hold, not talking.
  const consultation =
    call !== undefined &&
    call.direction !== VoipCallDirection.Internal &&
    agentOf(message.channel, technology) !== undefined &&
    agentOf(message.destinationchannel, technology) !== undefined;
  if (consultation) return total;
  if (answered) {
    total.answered = true;
    if (Number.isFinite(billsec) && billsec > 0) total.billsec += Math.round(billsec);
    if (agent) {
      total.agent = agent;
      if (!total.talkedWith.includes(agent)) total.talkedWith = [...total.talkedWith, agent];
    }
  } else if (!total.agent && agent) total.agent = agent;
  total.disposition = total.answered ? VoipCallDisposition.Answered : cdrDisposition(message.disposition);
  return total;
}

/**
 * Whether the Cdr total sums the call up: every agent who talked with the client has an answered Cdr
 * (or nobody talked). Asterisk sends the Cdrs of a call one after another once it ends; reporting only
 * the complete total gives the hub one call record, not one per pair of parties.
 */
export function cdrComplete(call: AmiCall | undefined, total: AmiCdrTotal): boolean {
  if (!call) return true;
  const talkers = Object.entries(call.agents).filter(([, leg]) => leg.talked && !leg.consult);
  return talkers.every(([extension]) => total.talkedWith.includes(extension));
}

/** The call record for the hub from the Cdr total. */
export function cdrRecord(
  call: AmiCall | undefined,
  id: string,
  total: AmiCdrTotal,
  firstChannel: string | undefined,
  technology: string,
  recorded: boolean,
): VoipCallRecord {
  const direction =
    call?.direction ?? (agentOf(firstChannel, technology) ? VoipCallDirection.Out : VoipCallDirection.In);
  const client = call?.client || (direction === VoipCallDirection.In ? total.source : total.destination) || 'unknown';
  const agent = total.agent ?? (direction === VoipCallDirection.In ? total.destination : total.source) ?? 'unknown';
  const [srcPhone, dstPhone] =
    direction === VoipCallDirection.In
      ? [client, agent]
      : direction === VoipCallDirection.Out
        ? [agent, client]
        : [client, agent];
  return {
    srcPhone: srcPhone || 'unknown',
    dstPhone: dstPhone || 'unknown',
    direction,
    duration: total.billsec,
    disposition: total.disposition,
    callId: id,
    call:
      recorded && call?.recording
        ? { linkedid: id, uniqueid: call.recording.uniqueid, ...(call.recording.at ? { at: call.recording.at } : {}) }
        : null,
  };
}

/**
 * A call record from the call's own events, for ARI, which has no Cdr: talk time is the time some agent
 * was talking (overlaps counted once), the disposition answered when anyone talked. A recording ARI
 * reported goes with it: `{linkedid, uniqueid, at?, stored}`.
 */
export function eventsRecord(call: AmiCall, last: VoipCallDisposition): VoipCallRecord {
  const spans = Object.values(call.agents)
    .filter((leg) => leg.answeredAt && leg.endedAt)
    .map((leg) => [Date.parse(leg.answeredAt!), Date.parse(leg.endedAt!)] as const)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let reach = -Infinity;
  for (const [start, end] of spans) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  const talkers = Object.entries(call.agents).filter(([, leg]) => leg.talked && !leg.consult);
  const agent = talkers.at(-1)?.[0] ?? Object.keys(call.agents)[0] ?? 'unknown';
  const client = call.client || 'unknown';
  const [srcPhone, dstPhone] = call.direction === VoipCallDirection.Out ? [agent, client] : [client, agent];
  return {
    srcPhone,
    dstPhone,
    direction: call.direction,
    duration: Math.round(total / 1000),
    disposition: talkers.length > 0 ? VoipCallDisposition.Answered : last,
    callId: call.id,
    call: call.recording ? { linkedid: call.id, ...call.recording } : null,
  };
}

/** What `Reason` of an OriginateResponse means (asterisk-java list; the originated channel's last control frame). */
export function originateFailure(reason: string | undefined, extension: string): string {
  switch (reason) {
    case '1':
      return `The call to ${extension} was hung up before it was answered.`;
    case '3':
      return `${extension} did not answer.`;
    case '5':
      return `${extension} is busy.`;
    case '8':
      return `Asterisk reported congestion calling ${extension}: try again later.`;
    default:
      return `Asterisk could not call ${extension}: check that the phone is registered.`;
  }
}

function agentStep(
  event: VoipWebhookEvent,
  extension: string,
  disposition: VoipCallDisposition = VoipCallDisposition.Unknown,
): AmiOutcome {
  return { kind: 'agent', event, extension, disposition };
}

/** DialEnd `DialStatus` (AMI_Events "DialEnd"). */
export function dialStatusDisposition(status: string): VoipCallDisposition {
  switch (status) {
    case 'ANSWER':
      return VoipCallDisposition.Answered;
    case 'BUSY':
      return VoipCallDisposition.Busy;
    case 'NOANSWER':
    case 'CHANUNAVAIL':
      return VoipCallDisposition.NoAnswer;
    case 'CANCEL':
      return VoipCallDisposition.Cancel;
    default:
      return VoipCallDisposition.Unknown;
  }
}

/** Q.850 cause of a Hangup: 17 user busy, 18/19 no answer, 16 normal clearing (the caller gave up). */
function causeDisposition(cause: string | undefined): VoipCallDisposition {
  switch (cause) {
    case '17':
      return VoipCallDisposition.Busy;
    case '18':
    case '19':
      return VoipCallDisposition.NoAnswer;
    case '16':
      return VoipCallDisposition.Cancel;
    default:
      return VoipCallDisposition.Unknown;
  }
}

/** Cdr `Disposition`: ANSWERED, NO ANSWER, BUSY, FAILED (AMI_Events "Cdr"). */
function cdrDisposition(value: string | undefined): VoipCallDisposition {
  switch ((value ?? '').toUpperCase()) {
    case 'ANSWERED':
      return VoipCallDisposition.Answered;
    case 'NO ANSWER':
      return VoipCallDisposition.NoAnswer;
    case 'BUSY':
      return VoipCallDisposition.Busy;
    default:
      return VoipCallDisposition.Unknown;
  }
}

/** The number an agent dialled out: the dialplan extension, else the end of the dial string. */
function dialledNumber(message: AmiMessage): string {
  if (isPhoneNumber(message.destexten)) return message.destexten!;
  const dial = message.dialstring ?? '';
  const part = dial.includes('@') ? dial.split('@')[0]! : (dial.split('/').pop() ?? '');
  return part.replace(/^sip:/i, '') || message.destcalleridnum || '';
}

function isPhoneNumber(value: string | undefined): boolean {
  return value !== undefined && /^\+?\d{5,}$/.test(value);
}
