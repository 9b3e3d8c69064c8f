/**
 * Asterisk over the Manager Interface (AMI), Asterisk 13 and later.
 * Vendor docs: https://docs.asterisk.org/Asterisk_20_Documentation/API_Documentation/AMI_Actions/ and
 * …/AMI_Events/ (Login, Challenge, Originate, Ping, PJSIPShowEndpoints, CoreShowChannels; Newchannel,
 * DialBegin, DialEnd, BlindTransfer, AttendedTransfer, Hangup, Cdr, OriginateResponse, MixMonitorStart).
 * Admin setup: docs/connectors/asterisk.md
 *
 * Asterisk calls no webhooks: the hub keeps an AMI connection open (the event source below) and each
 * call event it reads is stored in the inbox as a POST to `/ami/event` with the raw AMI text, then
 * parsed here. After a reconnect, calls that ended while the hub was away are closed with `/ami/gap`.
 *
 * Quirks:
 * - A call is everything with one Linkedid; an agent's consultation call (a second channel of an agent
 *   who is talking) is folded into the call the agent is in, so an attended transfer stays one call.
 * - Ringing several phones gives one DialBegin per phone, DialEnd ANSWER for the one who picked up and
 *   CANCEL for the others (AMI_Events "DialEnd").
 * - Originate with Async answers at once; the outcome comes later as an OriginateResponse event whose
 *   Reason is the originated channel's last control frame (3 no answer, 5 busy, 8 congestion).
 * - Event `Timestamp` exists only with `timestampevents = yes` in manager.conf; without it the hub orders
 *   a call's events by arrival, which over one TCP connection is the PBX's order anyway.
 * - Recordings: AMI has no file API. MixMonitorStart (Asterisk 16.17+, 18.3+) marks the call recorded, the
 *   Cdr carries it to the hub, and the link is built from the connection's URL template.
 * - ARI reports recordings (RecordingStarted on `channel:<id>`) and stores them, served at
 *   `GET /ari/recordings/stored/{name}/file` with Basic auth only: `fetchRecording` fetches the file for the
 *   hub to stream, so the ARI password never reaches a browser. A URL template, when set, still wins.
 * - ARI after a reconnect: `GET /channels` has no Linkedid, so each live channel's is read with getChannelVar
 *   `CHANNEL(linkedid)`, and `GET /bridges` tells who talks with whom; each channel goes to the inbox as
 *   `/ari/live`, read like AMI's CoreShowChannel. Events that arrive meanwhile wait until it is listed.
 *
 * Module storage keys; a call's keys are dropped a day after it was first seen:
 *   ami:call:<linkedid>      AmiCall            channels, agents, recording, Cdr total
 *   ami:link:<linkedid>      linkedid           a consultation call folded into another call
 *   ami:agent:<extension>    linkedid           the call the agent is talking in
 *   ami:open                 [linkedid, ms][]   calls that may hold keys, for the gap check and cleanup
 *   ami:originate:<ActionID> {src, dst, at}     click-to-call requests awaiting their OriginateResponse
 *   ami:originates           [ActionID, ms][]   those requests, to forget an hour later
 *   ari:call-of:<channel id> call id           ARI: the call a channel is in, until it is destroyed
 */
import { randomUUID } from 'node:crypto';
import { ConnectorError, HttpResponse, HttpStatusCode, VoipCallDisposition } from '../../contract/index.js';
import type {
  ConnectorDefinition,
  EventSourceContext,
  EventSourceResume,
  FetchRequest,
  ModuleStorage,
  VoipMember,
  VoipWebhookParseResult,
} from '../../contract/index.js';
import { openAmi, type AmiClient } from './asterisk-ami.js';
import {
  ariMs,
  channelsOf,
  liveChannelMessage,
  readAriEvent,
  readAriLive,
  toAmiMessage,
  type AriChannel,
  type AriEvent,
  type AriLiveChannel,
} from './asterisk-ari-events.js';
import { ariRequest, fetchStoredRecording, openAriEvents } from './asterisk-ari.js';
import {
  addCdr,
  applyCallEvent,
  agentOf,
  cdrComplete,
  cdrRecord,
  endOpenAgents,
  eventsRecord,
  linkedidOf,
  newCall,
  originateFailure,
  toWebhookEvent,
  type AmiCall,
} from './asterisk-ami-events.js';
import { amiTime, parseAmiMessage, type AmiMessage } from './asterisk-ami-protocol.js';
import { asteriskSettings, readAsteriskSettings, type AsteriskSettings } from './asterisk-settings.js';

/** The events the parser uses; the rest of the AMI stream (VarSet, Newexten, …) never reaches the inbox. */
export const AMI_CALL_EVENTS = [
  'Newchannel',
  'Newstate',
  'DialBegin',
  'DialEnd',
  'BridgeEnter',
  'BridgeLeave',
  'BlindTransfer',
  'AttendedTransfer',
  'MixMonitorStart',
  'Hangup',
  'Cdr',
  'OriginateResponse',
  // Not streamed: the list of live channels, delivered after a reconnect.
  'CoreShowChannel',
] as const;
const CALL_EVENTS = new Set(AMI_CALL_EVENTS.map((name) => name.toLowerCase()));

export const AMI_EVENT_PATH = '/ami/event';
export const AMI_GAP_PATH = '/ami/gap';
export const ARI_EVENT_PATH = '/ari/event';
export const ARI_GAP_PATH = '/ari/gap';
export const ARI_LIVE_PATH = '/ari/live';
/** The channel variable click-to-call sets on the call it originates (add it to `channelvars` to see it in events). */
export const ORIGINATION_VARIABLE = 'SWITCHBOARD_ORIGINATION';

const FORGET_CALLS_AFTER_MS = 24 * 3600_000;
const FORGET_ORIGINATES_AFTER_MS = 3600_000;
const OPEN_KEY = 'ami:open';

/** A recorded call's data in its record: what `VoipGetCallLink` and `fetchRecording` get back. */
interface RecordingData {
  linkedid?: unknown;
  uniqueid?: unknown;
  at?: unknown;
  /** ARI: the stored recording's name. */
  stored?: unknown;
}

interface PendingOriginate {
  src: string;
  dst: string;
  at: number;
}

/** A gap report: the call had channels when the stream stopped and none when it came back. */
interface GapNotice {
  linkedid: string;
  since: string;
  until: string;
  /** The PBX's time when the live channels were listed, when it sends timestamps. */
  at?: string;
}

export const asteriskConnector: ConnectorDefinition = {
  id: 'asterisk',
  name: 'Asterisk (AMI or ARI)',
  docsUrl: 'docs/connectors/asterisk.md',
  settings: asteriskSettings,
  hasWebhookUpdated: false,
  create(ctx) {
    const settings = () => readAsteriskSettings(ctx.settings);
    const withAmi = async <T>(work: (ami: AmiClient) => Promise<T>): Promise<T> => {
      const ami = await openAmi({ settings: settings(), signal: ctx.signal, events: 'off' });
      try {
        return await work(ami);
      } finally {
        await ami.close();
      }
    };

    return {
      async VoipTestConnection() {
        try {
          if (settings().mode === 'ari') {
            await ariRequest(ctx.fetch, settings(), 'GET', '/asterisk/info');
            return { success: true };
          }
          await withAmi(async (ami) => {
            const pong = await ami.action([['Action', 'Ping']]);
            if (pong.response?.toLowerCase() !== 'success') {
              throw new ConnectorError('rejected', `Asterisk refused Ping: ${pong.message ?? 'no reason given'}`);
            }
          });
          return { success: true };
        } catch (error) {
          if (error instanceof ConnectorError) return { success: false, failReason: error.message };
          throw error;
        }
      },

      async VoipGetMembers() {
        const { technology, mode } = settings();
        if (mode === 'ari') {
          const endpoints = await ariRequest<Array<{ technology?: string; resource?: string; state?: string }>>(
            ctx.fetch,
            settings(),
            'GET',
            '/endpoints',
          );
          return (Array.isArray(endpoints) ? endpoints : [])
            .filter((endpoint) => endpoint.technology === technology)
            .flatMap((endpoint) => member(endpoint.resource, endpoint.state, endpoint.state === 'online'));
        }
        return withAmi(async (ami) =>
          technology === 'PJSIP'
            ? (await ami.list([['Action', 'PJSIPShowEndpoints']], 'EndpointListComplete')).flatMap((endpoint) =>
                member(endpoint.objectname, endpoint.devicestate, endpoint.devicestate !== 'Unavailable'),
              )
            : (await ami.list([['Action', 'SIPpeers']], 'PeerlistComplete')).flatMap((peer) =>
                member(peer.objectname, peer.status, sipPeerOnline(peer)),
              ),
        );
      },

      async VoipParseWebhookRequest(request) {
        return parseRequest(ctx.storage, settings(), request, ctx.now().getTime());
      },

      async VoipGenerateCall(srcPhone, dstPhone) {
        const { technology, context } = settings();
        const extension = srcPhone.trim();
        if (!/^\d{1,6}$/.test(extension)) {
          throw new ConnectorError(
            'rejected',
            'Click-to-call needs your Asterisk extension: map your user to an extension in the connection settings.',
          );
        }
        const number = /^[\d\s()+-]+$/.test(dstPhone) ? dstPhone.replace(/[^\d+]/g, '') : dstPhone.trim();
        if (!number) throw new ConnectorError('rejected', 'There is no number to call.');
        const actionId = `switchboard-originate-${randomUUID()}`;
        await rememberOriginate(ctx.storage, actionId, { src: srcPhone, dst: dstPhone, at: ctx.now().getTime() });
        if (settings().mode === 'ari') {
          // The channel id is chosen here, so its events are recognised however early they come.
          await ariRequest(ctx.fetch, settings(), 'POST', '/channels', {
            query: {
              endpoint: `${technology}/${extension}`,
              extension: number,
              context,
              priority: '1',
              callerId: `"${number}" <${number}>`,
              timeout: '30',
              channelId: actionId,
            },
            body: { variables: { [ORIGINATION_VARIABLE]: actionId } },
          });
          ctx.log.info('Asterisk originates the call over ARI: the agent rings first', { channelId: actionId });
          return;
        }
        const answer = await withAmi((ami) =>
          ami.action([
            ['Action', 'Originate'],
            ['ActionID', actionId],
            // The agent's phone rings first; once answered, the channel dials the client in the context.
            ['Channel', `${technology}/${extension}`],
            ['Context', context],
            ['Exten', number],
            ['Priority', '1'],
            ['CallerID', `"${number}" <${number}>`],
            ['Timeout', '30000'],
            ['Variable', `${ORIGINATION_VARIABLE}=${actionId}`],
            ['Async', 'true'],
          ]),
        );
        if (answer.response?.toLowerCase() !== 'success') {
          await ctx.storage.removeItem(`ami:originate:${actionId}`);
          throw new ConnectorError(
            'rejected',
            `Asterisk refused to originate the call: ${answer.message ?? 'no reason given'}. ` +
              'Check that the AMI user has the "originate" write permission in manager.conf.',
          );
        }
        ctx.log.info('Asterisk originates the call: the agent rings first, then the client', { actionId, extension });
      },

      async VoipGetCallLink(callData) {
        const { recordUrlTemplate } = settings();
        const data = callData as RecordingData | null | undefined;
        if (typeof data?.uniqueid !== 'string' || typeof data.linkedid !== 'string') {
          throw new ConnectorError('rejected', 'This call has no Asterisk recording.');
        }
        if (!recordUrlTemplate) {
          throw new ConnectorError(
            'rejected',
            typeof data.stored === 'string'
              ? "This recording is stored by ARI: set the connection's Interface back to ARI to play it."
              : 'Set the recording URL template in the connection settings to play Asterisk recordings.',
          );
        }
        return recordingUrl(
          recordUrlTemplate,
          data.linkedid,
          data.uniqueid,
          typeof data.at === 'string' ? data.at : undefined,
        );
      },
    };
  },

  async fetchRecording(ctx, callData) {
    const settings = readAsteriskSettings(ctx.settings);
    const stored = (callData as RecordingData | null | undefined)?.stored;
    // MixMonitor files on a web server (the URL template) are links; only ARI's own store needs the password.
    if (settings.recordUrlTemplate || settings.mode !== 'ari' || typeof stored !== 'string' || !stored) {
      return undefined;
    }
    return fetchStoredRecording(ctx.fetch, settings, stored);
  },

  eventSource: {
    pingIntervalMs: 20_000,
    async connect(ctx, resume) {
      const settings = readAsteriskSettings(ctx.settings);
      // Events reach the inbox one at a time, in the order Asterisk sent them.
      let chain = Promise.resolve();
      const deliver = (path: string, contentType: string, body: string) => {
        chain = chain
          .then(() => ctx.deliver({ path, contentType, body }))
          .catch((error: unknown) =>
            ctx.log.warn('An Asterisk event could not be stored', {
              err: error instanceof Error ? error.message : String(error),
            }),
          );
        return chain;
      };
      if (settings.mode === 'ari') {
        // Held until the live channels are in the inbox: an event of a listed channel must come after it.
        let held: string[] | undefined = [];
        const events = await openAriEvents(settings, ctx.signal, (text) => {
          if (held) held.push(text);
          else void deliver(ARI_EVENT_PATH, 'application/json', text);
        });
        try {
          await reconcile(
            ctx,
            resume,
            () =>
              ariLive(settings, ctx.signal, ctx.now(), (entry) => deliver(ARI_LIVE_PATH, 'application/json', entry)),
            (notice) => deliver(ARI_GAP_PATH, 'application/json', JSON.stringify(notice)),
          );
        } catch (error) {
          await events.close();
          throw error;
        }
        for (const text of held) void deliver(ARI_EVENT_PATH, 'application/json', text);
        held = undefined;
        return events;
      }
      const ami = await openAmi({ settings, signal: ctx.signal, events: 'on' });
      ami.onEvent((raw, message) => {
        if (CALL_EVENTS.has(message.event?.toLowerCase() ?? '')) void deliver(AMI_EVENT_PATH, 'text/plain', raw);
      });
      try {
        await reconcile(
          ctx,
          resume,
          () => amiLive(ami, (raw) => deliver(AMI_EVENT_PATH, 'text/plain', raw)),
          (notice) => deliver(AMI_GAP_PATH, 'application/json', JSON.stringify(notice)),
        );
      } catch (error) {
        await ami.close();
        throw error;
      }
      return {
        closed: ami.closed,
        async ping() {
          const pong = await ami.action([['Action', 'Ping']]);
          if (pong.response?.toLowerCase() !== 'success') throw new Error(pong.message ?? 'Ping refused');
        },
        close: () => ami.close(),
      };
    },
  },
};

/**
 * After (re)connecting: the calls the connector still thinks open whose channels are all gone ended while
 * nobody listened. Each gets a gap notice; AMI has no replay, so how they ended is not known.
 */
async function reconcile(
  ctx: EventSourceContext,
  resume: EventSourceResume | undefined,
  listLive: () => Promise<LiveChannels>,
  notify: (notice: GapNotice) => Promise<void>,
): Promise<void> {
  const { live, listedAt, replay } = await listLive();
  // Calls that began while the hub was away: their channels go to the inbox like any event.
  for (const deliver of replay ?? []) await deliver();
  const open = (await load<Array<[string, number]>>(ctx.storage, OPEN_KEY)) ?? [];
  const until = ctx.now().toISOString();
  const since = resume?.since ?? until;
  for (const [linkedid] of open) {
    const call = await load<AmiCall>(ctx.storage, `ami:call:${linkedid}`);
    if (!call || call.ended) continue;
    const uniqueids = Object.keys(call.channels);
    if (live.has(linkedid) || uniqueids.some((uniqueid) => live.has(uniqueid))) continue;
    ctx.log.warn('An Asterisk call ended while the hub was not connected: it is closed now', {
      linkedid,
      since,
      until,
    });
    await notify({ linkedid, since, until, ...(listedAt ? { at: listedAt } : {}) });
  }
}

interface LiveChannels {
  live: Set<string>;
  listedAt?: string;
  /** Deliveries of the listed channels, first channels of their calls first. */
  replay?: Array<() => Promise<void>>;
}

/** AMI: the live channels are `CoreShowChannels`' list; each entry is delivered too (AMI_Events "CoreShowChannel"). */
async function amiLive(ami: AmiClient, deliver: (raw: string) => Promise<void>): Promise<LiveChannels> {
  const listed = await ami.listRaw([['Action', 'CoreShowChannels']], 'CoreShowChannelsComplete');
  const channels = listed.map((entry) => entry.message);
  const first = (message: AmiMessage) => (message.uniqueid === message.linkedid ? 0 : 1);
  const replay = [...listed]
    .sort((a, b) => first(a.message) - first(b.message))
    .map((entry) => () => deliver(entry.raw));
  const live = new Set(
    channels.flatMap((channel) => [channel.uniqueid, channel.linkedid]).filter((id): id is string => !!id),
  );
  const listedAt = channels.map((channel) => amiTime(channel.timestamp)).find(Boolean);
  return listedAt ? { live, listedAt, replay } : { live, replay };
}

/**
 * ARI: the live channels are `GET /channels` (no replay of missed events: ari4java #85), each with its
 * Linkedid from getChannelVar `CHANNEL(linkedid)` (a dialplan function; the Channel object has none). A
 * channel bridged with the PBX side of another Linkedid (the target of an attended transfer, who keeps the
 * consultation's) is in that side's call. Each is delivered as JSON, the first channel of its call first.
 */
async function ariLive(
  settings: AsteriskSettings,
  signal: AbortSignal,
  listedAt: Date,
  deliver: (entry: string) => Promise<void>,
): Promise<LiveChannels> {
  const get = <T>(path: string, query?: Record<string, string>) =>
    ariRequest<T>(globalThis.fetch, settings, 'GET', path, { signal, ...(query ? { query } : {}) });
  const listed = await get<AriChannel[]>('/channels');
  const channels = (Array.isArray(listed) ? listed : []).filter(
    (channel) => typeof channel?.id === 'string' && channel.id !== '' && typeof channel.name === 'string',
  );
  const bridges = await get<Array<{ channels?: unknown }>>('/bridges');
  const linkedids = new Map<string, string>();
  for (const channel of channels) {
    try {
      const answer = await get<{ value?: unknown }>(`/channels/${encodeURIComponent(channel.id)}/variable`, {
        variable: 'CHANNEL(linkedid)',
      });
      linkedids.set(channel.id, typeof answer?.value === 'string' && answer.value ? answer.value : channel.id);
    } catch (error) {
      // 404: the channel hung up since it was listed.
      if (!(error instanceof ConnectorError && error.kind === 'rejected')) throw error;
    }
  }
  const names = new Map(channels.map((channel) => [channel.id, channel.name]));
  const callOf = new Map(linkedids);
  for (const bridge of Array.isArray(bridges) ? bridges : []) {
    const members = (Array.isArray(bridge?.channels) ? bridge.channels : []).filter(
      (id): id is string => typeof id === 'string' && linkedids.has(id),
    );
    const pbx = members.find((id) => !agentOf(names.get(id), settings.technology));
    if (pbx) for (const id of members) callOf.set(id, linkedids.get(pbx)!);
  }
  const entries: AriLiveChannel[] = channels
    .filter((channel) => linkedids.has(channel.id))
    .map((channel) => ({
      channel,
      linkedid: linkedids.get(channel.id)!,
      call: callOf.get(channel.id)!,
      listedAt: listedAt.toISOString(),
    }));
  const first = (entry: AriLiveChannel) => (entry.channel.id === entry.call ? 0 : 1);
  const replay = entries.sort((a, b) => first(a) - first(b)).map((entry) => () => deliver(JSON.stringify(entry)));
  const live = new Set(entries.flatMap((entry) => [entry.channel.id, entry.linkedid, entry.call]));
  return { live, replay };
}

async function parseRequest(
  storage: ModuleStorage,
  settings: AsteriskSettings,
  request: FetchRequest,
  now: number,
): Promise<VoipWebhookParseResult> {
  const refuse = (status: number, message: string) => ({
    response: new HttpResponse().status(status).json({ error: message }),
  });
  if (request.method.toUpperCase() !== 'POST') return refuse(HttpStatusCode.METHOD_NOT_ALLOWED, 'Expected a POST');
  if (request.path === ARI_EVENT_PATH) {
    const event = readAriEvent(request.body ?? '');
    if (!event) return refuse(HttpStatusCode.BAD_REQUEST, 'The body is not an ARI event (a JSON object with a "type")');
    return applyAriEvent(storage, settings, event, now);
  }
  if (request.path === ARI_LIVE_PATH) {
    const entry = readAriLive(request.body ?? '');
    if (!entry) {
      return refuse(HttpStatusCode.BAD_REQUEST, 'A live channel is {"channel", "linkedid", "call", "listedAt"}');
    }
    return applyAriLive(storage, settings, entry, now);
  }
  if (request.path === AMI_GAP_PATH || request.path === ARI_GAP_PATH) {
    const notice = readGap(request.body ?? '');
    if (!notice) return refuse(HttpStatusCode.BAD_REQUEST, 'A gap notice is {"linkedid", "since", "until"}');
    return applyGap(storage, notice);
  }
  if (request.path !== AMI_EVENT_PATH)
    return refuse(HttpStatusCode.NOT_FOUND, `Nothing is received at ${request.path}`);
  const message = parseAmiMessage(request.body ?? '');
  if (!message || typeof message.event !== 'string' || message.event === '') {
    return refuse(HttpStatusCode.BAD_REQUEST, 'The body is not an AMI event ("Event: …" and "Key: Value" lines)');
  }
  const name = message.event.toLowerCase();
  if (name === 'originateresponse') return applyOriginateResponse(storage, message);
  if (name === 'cdr') return applyCdr(storage, settings, message);
  if (!CALL_EVENTS.has(name)) return {};
  const linkedid = linkedidOf(message);
  if (!linkedid) return refuse(HttpStatusCode.BAD_REQUEST, `${message.event} names no Linkedid or Uniqueid`);
  return (await applyEvent(storage, settings, message, linkedid, now)).result;
}

async function applyEvent(
  storage: ModuleStorage,
  settings: AsteriskSettings,
  message: AmiMessage,
  linkedid: string,
  now: number,
  options: { recordFromEvents?: boolean } = {},
): Promise<{ id: string; result: VoipWebhookParseResult }> {
  const { technology } = settings;
  let id = (await storage.getItem(`ami:link:${linkedid}`)) ?? linkedid;
  let call = await load<AmiCall>(storage, `ami:call:${id}`);
  let consultation = false;

  // An agent who is talking dials again: a consultation, part of the call the agent is in.
  const caller = agentOf(message.channel, technology);
  if (message.event?.toLowerCase() === 'dialbegin' && caller && agentOf(message.destchannel, technology)) {
    const current = await storage.getItem(`ami:agent:${caller}`);
    const other = current && current !== id ? await load<AmiCall>(storage, `ami:call:${current}`) : undefined;
    if (other && !other.ended && other.agents[caller]?.status === 'talking') {
      other.links = [...(other.links ?? []), id];
      if (call) Object.assign(other.channels, call.channels);
      await storage.setItem(`ami:link:${id}`, other.id);
      await storage.removeItem(`ami:call:${id}`);
      id = other.id;
      call = other;
      consultation = true;
    }
  }
  // After an attended transfer the target's channel keeps the consultation's Linkedid.
  if (message.event?.toLowerCase() === 'attendedtransfer') {
    for (const other of [message.secondtransfererlinkedid, message.transfertargetlinkedid]) {
      if (other && other !== id && !(call?.links ?? []).includes(other)) {
        await storage.setItem(`ami:link:${other}`, id);
        if (call) call.links = [...(call.links ?? []), other];
      }
    }
  }

  if (!call) {
    call = newCall(message, id, technology, now);
    await trackOpen(storage, id, now);
  }
  const before = new Map(Object.entries(call.agents).map(([extension, leg]) => [extension, leg.status]));
  const wasEnded = call.ended === true;
  const outcome = applyCallEvent(call, message, technology);
  const dialled = consultation ? agentOf(message.destchannel, technology) : undefined;
  if (dialled && call.agents[dialled]) call.agents[dialled]!.consult = true;
  const at = amiTime(message.timestamp);
  if (at && (!call.lastAt || at > call.lastAt)) call.lastAt = at;
  for (const [extension, leg] of Object.entries(call.agents)) {
    if (before.get(extension) === leg.status || !at) continue;
    if (leg.status === 'talking') leg.answeredAt = at;
    if (leg.status === 'ended' && leg.answeredAt) leg.endedAt = at;
  }
  await save(storage, `ami:call:${id}`, call);
  for (const [extension, leg] of Object.entries(call.agents)) {
    if (before.get(extension) === leg.status) continue;
    if (leg.status === 'talking') await storage.setItem(`ami:agent:${extension}`, id);
    if (leg.status === 'ended' && (await storage.getItem(`ami:agent:${extension}`)) === id) {
      await storage.removeItem(`ami:agent:${extension}`);
    }
  }
  const event = outcome.kind === 'none' ? undefined : toWebhookEvent(call, outcome, at);
  // ARI sends no Cdr: the call's record is made from its events once its last channel is gone.
  const last = outcome.kind === 'agent' ? outcome.disposition : VoipCallDisposition.NoAnswer;
  const record = options.recordFromEvents && call.ended && !wasEnded ? eventsRecord(call, last) : undefined;
  return { id, result: { ...(event ? { event } : {}), ...(record ? { callRecord: record } : {}) } };
}

const ARI_CALL_TYPES = new Set(['Dial', 'BridgeBlindTransfer', 'BridgeAttendedTransfer']);

/** A channel that was live after a reconnect joins its call where it stands (talking, or ringing). */
async function applyAriLive(
  storage: ModuleStorage,
  settings: AsteriskSettings,
  entry: AriLiveChannel,
  now: number,
): Promise<VoipWebhookParseResult> {
  const message = liveChannelMessage(entry);
  const { id, result } = await applyEvent(storage, settings, message, entry.call, now, { recordFromEvents: true });
  await storage.setItem(`ari:call-of:${entry.channel.id}`, id);
  return result;
}

/** RecordingStarted or RecordingFinished of a channel of a call: the call is recorded, in ARI's store. */
async function applyAriRecording(storage: ModuleStorage, event: AriEvent): Promise<void> {
  const { recording } = event;
  const channel = /^channel:(.+)$/.exec(recording?.target_uri ?? '')?.[1];
  if (!recording || !channel || recording.state === 'failed' || recording.state === 'canceled') return;
  const id = await storage.getItem(`ari:call-of:${channel}`);
  const call = id ? await load<AmiCall>(storage, `ami:call:${id}`) : undefined;
  if (!call || call.recording) return;
  const ms = ariMs(event.timestamp);
  call.recording = {
    uniqueid: channel,
    stored: recording.name,
    ...(ms === undefined ? {} : { at: new Date(ms).toISOString() }),
  };
  await save(storage, `ami:call:${call.id}`, call);
}

async function applyAriEvent(
  storage: ModuleStorage,
  settings: AsteriskSettings,
  event: AriEvent,
  now: number,
): Promise<VoipWebhookParseResult> {
  const originated = await ariOriginateOutcome(storage, event);
  const extra = originated ? { generateCallResult: originated } : {};
  if (event.type === 'RecordingStarted' || event.type === 'RecordingFinished') {
    await applyAriRecording(storage, event);
    return extra;
  }
  const known = new Map<string, string>();
  for (const channel of channelsOf(event)) {
    const call = await storage.getItem(`ari:call-of:${channel.id}`);
    if (call) known.set(channel.id, call);
  }
  // A channel joins a call when something dials it; until then its own events say nothing about calls.
  const inCall = ARI_CALL_TYPES.has(event.type) || (event.channel !== undefined && known.has(event.channel.id));
  const message = inCall ? toAmiMessage(event, (id) => known.get(id) ?? id) : undefined;
  const linkedid = message ? linkedidOf(message) : undefined;
  if (!message || !linkedid) return extra;
  const { id, result } = await applyEvent(storage, settings, message, linkedid, now, { recordFromEvents: true });
  if (event.type === 'Dial') {
    for (const channel of [event.caller, event.peer]) {
      if (channel) await storage.setItem(`ari:call-of:${channel.id}`, id);
    }
  }
  if (event.type === 'BridgeAttendedTransfer' && event.transfer_target) {
    await storage.setItem(`ari:call-of:${event.transfer_target.id}`, id);
  }
  if (event.type === 'ChannelDestroyed' && event.channel) await storage.removeItem(`ari:call-of:${event.channel.id}`);
  return { ...result, ...extra };
}

/** Click-to-call over ARI: the originated channel answering, or going before it answered. */
async function ariOriginateOutcome(storage: ModuleStorage, event: AriEvent) {
  const channel = event.channel;
  if (!channel || (event.type !== 'ChannelStateChange' && event.type !== 'ChannelDestroyed')) return undefined;
  const key = `ami:originate:${channel.id}`;
  const request = await load<PendingOriginate>(storage, key);
  if (!request) return undefined;
  const answered = event.type === 'ChannelStateChange' && channel.state === 'Up';
  if (event.type === 'ChannelStateChange' && !answered) return undefined;
  await storage.removeItem(key);
  const result = { srcPhone: request.src, dstPhone: request.dst, success: answered };
  if (answered) return result;
  // The Q.850 cause of the hang-up in the terms of OriginateResponse's Reason.
  const reasons: Record<number, string> = { 17: '5', 18: '3', 19: '3', 16: '1' };
  return { ...result, failReason: originateFailure(reasons[event.cause ?? 0] ?? '0', request.src) };
}

async function applyGap(storage: ModuleStorage, notice: GapNotice): Promise<VoipWebhookParseResult> {
  const call = await load<AmiCall>(storage, `ami:call:${notice.linkedid}`);
  if (!call || call.ended) return {};
  const open = endOpenAgents(call);
  await save(storage, `ami:call:${call.id}`, call);
  for (const extension of Object.keys(call.agents)) {
    if ((await storage.getItem(`ami:agent:${extension}`)) === call.id)
      await storage.removeItem(`ami:agent:${extension}`);
  }
  // Dated after everything the PBX reported of the call, by the PBX's clock (the hub's may differ).
  const after = call.lastAt ? new Date(Date.parse(call.lastAt) + 1).toISOString() : undefined;
  const at = [notice.at, after]
    .filter((time): time is string => time !== undefined)
    .sort()
    .pop();
  return open ? { event: toWebhookEvent(call, { kind: 'call-end' }, at) } : {};
}

async function applyCdr(
  storage: ModuleStorage,
  settings: AsteriskSettings,
  message: AmiMessage,
): Promise<VoipWebhookParseResult> {
  const uniqueid = message.uniqueid;
  if (!uniqueid)
    return {
      response: new HttpResponse().status(HttpStatusCode.BAD_REQUEST).json({ error: 'The Cdr has no UniqueID' }),
    };
  const id = (await storage.getItem(`ami:link:${uniqueid}`)) ?? uniqueid;
  const call = await load<AmiCall>(storage, `ami:call:${id}`);
  const total = addCdr(call, message, settings.technology);
  if (!total) return {};
  if (call) {
    call.cdr = total;
    await save(storage, `ami:call:${id}`, call);
  }
  if (!cdrComplete(call, total)) return {};
  return {
    callRecord: cdrRecord(call, id, total, message.channel, settings.technology, settings.recordUrlTemplate !== ''),
  };
}

async function applyOriginateResponse(storage: ModuleStorage, message: AmiMessage): Promise<VoipWebhookParseResult> {
  const key = `ami:originate:${message.actionid ?? ''}`;
  const request = message.actionid ? await load<PendingOriginate>(storage, key) : undefined;
  if (!request) return {};
  await storage.removeItem(key);
  const success = (message.response ?? '').toLowerCase() === 'success';
  const result = { srcPhone: request.src, dstPhone: request.dst, success };
  return {
    generateCallResult: success ? result : { ...result, failReason: originateFailure(message.reason, request.src) },
  };
}

function readGap(body: string): GapNotice | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { linkedid, since, until, at } = value as Record<string, unknown>;
  if (typeof linkedid !== 'string' || !linkedid || typeof since !== 'string' || typeof until !== 'string')
    return undefined;
  if (!Number.isFinite(Date.parse(since)) || !Number.isFinite(Date.parse(until))) return undefined;
  const time = typeof at === 'string' && Number.isFinite(Date.parse(at)) ? { at } : {};
  return { linkedid, since, until, ...time };
}

/** `{uniqueid}`, `{linkedid}`, `{year}`, `{month}`, `{day}` (UTC, of the recording's start, else of the call id). */
export function recordingUrl(template: string, linkedid: string, uniqueid: string, at: string | undefined): string {
  const seconds = Number(linkedid.split('.')[0]);
  const date = at ? new Date(at) : new Date(Number.isFinite(seconds) ? seconds * 1000 : 0);
  const parts: Record<string, string> = {
    uniqueid,
    linkedid,
    year: String(date.getUTCFullYear()),
    month: String(date.getUTCMonth() + 1).padStart(2, '0'),
    day: String(date.getUTCDate()).padStart(2, '0'),
  };
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in parts ? encodeURIComponent(parts[name]!) : whole,
  );
}

/**
 * chan_sip's Status says "OK (n ms)" or "LAGGED (n ms)" for a reachable peer when it is qualified, and
 * "Unmonitored" for every peer when not: then a registered peer is the one with an address.
 */
function sipPeerOnline(peer: AmiMessage): boolean {
  const status = peer.status ?? '';
  if (/^(OK|LAGGED)\b/i.test(status)) return true;
  return /^Unmonitored$/i.test(status) && !!peer.ipaddress && peer.ipaddress !== '-none-';
}

function member(name: string | undefined, state: string | undefined, online: boolean): VoipMember[] {
  // Trunks are endpoints too; only extension-like names are agents' phones.
  if (!name || !/^\d{1,6}$/.test(name)) return [];
  return [{ id: name, label: `Extension ${name} (${online ? 'online' : 'offline'}${state ? `: ${state}` : ''})` }];
}

/** Remembers when a call was first seen, and forgets calls (and their keys) after a day. */
async function trackOpen(storage: ModuleStorage, id: string, now: number): Promise<void> {
  const open = new Map((await load<Array<[string, number]>>(storage, OPEN_KEY)) ?? []);
  if (!open.has(id)) open.set(id, now);
  for (const [linkedid, since] of open) {
    if (now - since <= FORGET_CALLS_AFTER_MS) continue;
    const call = await load<AmiCall>(storage, `ami:call:${linkedid}`);
    for (const link of call?.links ?? []) await storage.removeItem(`ami:link:${link}`);
    await storage.removeItem(`ami:call:${linkedid}`);
    open.delete(linkedid);
  }
  await save(storage, OPEN_KEY, [...open]);
}

async function rememberOriginate(storage: ModuleStorage, actionId: string, request: PendingOriginate): Promise<void> {
  await save(storage, `ami:originate:${actionId}`, request);
  // Requests whose answer never came are forgotten an hour later.
  const list: Array<[string, number]> = [];
  for (const [id, at] of (await load<Array<[string, number]>>(storage, 'ami:originates')) ?? []) {
    if (request.at - at <= FORGET_ORIGINATES_AFTER_MS) list.push([id, at]);
    else await storage.removeItem(`ami:originate:${id}`);
  }
  await save(storage, 'ami:originates', [...list, [actionId, request.at]]);
}

async function load<T>(storage: ModuleStorage, key: string): Promise<T | undefined> {
  const raw = await storage.getItem(key);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

async function save(storage: ModuleStorage, key: string, value: unknown): Promise<void> {
  await storage.setItem(key, JSON.stringify(value));
}
