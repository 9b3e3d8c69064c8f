/**
 * ARI events → the AMI-shaped messages `applyCallEvent` reads, so both interfaces share one call model.
 * ARI's Channel object has no Linkedid (Channels_REST_API, "Channel"), so the connector keeps which call
 * each channel belongs to and passes it in: a channel joins the call of the channel that dialled it.
 *
 *   ChannelCreated → Newchannel · ChannelStateChange → Newstate · Dial (no dialstatus) → DialBegin
 *   Dial (dialstatus) → DialEnd · ChannelEnteredBridge → BridgeEnter · ChannelDestroyed → Hangup
 *   BridgeBlindTransfer → BlindTransfer · BridgeAttendedTransfer → AttendedTransfer
 *   a live channel listed after a reconnect (`/ari/live`) → CoreShowChannel
 */
import type { AmiMessage } from './asterisk-ami-protocol.js';

export interface AriChannel {
  id: string;
  name: string;
  state?: string;
  caller?: { name?: string; number?: string };
  connected?: { name?: string; number?: string };
  dialplan?: { context?: string; exten?: string; priority?: number };
}

export interface AriEvent {
  type: string;
  timestamp?: string;
  channel?: AriChannel;
  peer?: AriChannel;
  caller?: AriChannel;
  dialstatus?: string;
  dialstring?: string;
  cause?: number;
  cause_txt?: string;
  transferee?: AriChannel;
  exten?: string;
  context?: string;
  result?: string;
  transferer_first_leg?: AriChannel;
  transferer_second_leg?: AriChannel;
  transfer_target?: AriChannel;
  /** RecordingStarted, RecordingFinished (Events REST API, "LiveRecording"). */
  recording?: AriRecording;
}

export interface AriRecording {
  name: string;
  format?: string;
  state?: string;
  /** What is recorded: `channel:<id>` or `bridge:<id>`. */
  target_uri?: string;
}

/**
 * A channel found live after a reconnect, as the connector lists it for the inbox: the Channel object of
 * `GET /channels`, its Linkedid (getChannelVar `CHANNEL(linkedid)`), the call it is taken to be in (the
 * Linkedid, or that of the PBX side it is bridged with) and when it was listed.
 */
export interface AriLiveChannel {
  channel: AriChannel;
  linkedid: string;
  call: string;
  listedAt: string;
}

/** Reads an event; undefined when it is not an ARI event object with a type. */
export function readAriEvent(text: string): AriEvent | undefined {
  const event = jsonObject(text);
  if (!event || typeof event.type !== 'string' || event.type === '') return undefined;
  for (const key of [
    'channel',
    'peer',
    'caller',
    'transferee',
    'transferer_first_leg',
    'transferer_second_leg',
    'transfer_target',
  ]) {
    const channel = event[key];
    if (channel === undefined) continue;
    if (typeof channel !== 'object' || channel === null) return undefined;
    const { id, name } = channel as Record<string, unknown>;
    if (typeof id !== 'string' || id === '' || typeof name !== 'string') return undefined;
  }
  // Fields of the wrong JSON type are dropped rather than trusted.
  for (const key of ['timestamp', 'dialstatus', 'dialstring', 'cause_txt', 'exten', 'context', 'result']) {
    if (event[key] !== undefined && typeof event[key] !== 'string') delete event[key];
  }
  if (event.cause !== undefined && typeof event.cause !== 'number') delete event.cause;
  const recording = event.recording as Record<string, unknown> | undefined;
  if (
    recording !== undefined &&
    (typeof recording !== 'object' || recording === null || typeof recording.name !== 'string' || !recording.name)
  ) {
    delete event.recording;
  }
  return event as unknown as AriEvent;
}

/** Reads a `/ari/live` entry; undefined when it is not one. */
export function readAriLive(body: string): AriLiveChannel | undefined {
  const value = jsonObject(body);
  if (!value) return undefined;
  const { channel, linkedid, call, listedAt } = value;
  if (typeof channel !== 'object' || channel === null) return undefined;
  const { id, name } = channel as Record<string, unknown>;
  if (typeof id !== 'string' || !id || typeof name !== 'string') return undefined;
  if (typeof linkedid !== 'string' || !linkedid || typeof call !== 'string' || !call) return undefined;
  if (typeof listedAt !== 'string' || !Number.isFinite(Date.parse(listedAt))) return undefined;
  return { channel: channel as AriChannel, linkedid, call, listedAt };
}

/** ARI's channel state names as AMI's ChannelState numbers (Asterisk's `ast_state2str`). */
const STATES: Record<string, string> = {
  Down: '0',
  Rsrvd: '1',
  OffHook: '2',
  Dialing: '3',
  Ring: '4',
  Ringing: '5',
  Up: '6',
  Busy: '7',
};

/** A listed live channel as the CoreShowChannel that AMI's `CoreShowChannels` would give for it. */
export function liveChannelMessage(entry: AriLiveChannel): AmiMessage {
  return Object.assign(Object.create(null) as AmiMessage, {
    event: 'CoreShowChannel',
    ...seconds(entry.listedAt),
    ...fields(entry.channel, '', () => entry.call),
    channelstate: STATES[entry.channel.state ?? ''] ?? '',
  });
}

/** The JSON object the text holds; undefined for anything else. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The channels an event names, for the connector to look up their calls. */
export function channelsOf(event: AriEvent): AriChannel[] {
  return [
    event.caller,
    event.peer,
    event.channel,
    event.transferee,
    event.transferer_first_leg,
    event.transferer_second_leg,
    event.transfer_target,
  ].filter((channel): channel is AriChannel => channel !== undefined);
}

/** ARI's ISO timestamp ("2023-11-14T22:13:20.000+0000") as an AMI Timestamp (Unix seconds). */
function seconds(timestamp: string | undefined): Record<string, string> {
  const ms = ariMs(timestamp);
  return ms === undefined ? {} : { timestamp: (ms / 1000).toFixed(6) };
}

/** ARI's ISO timestamp in milliseconds; undefined when it is none. */
export function ariMs(timestamp: string | undefined): number | undefined {
  const ms = Date.parse((timestamp ?? '').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(ms) ? ms : undefined;
}

function fields(channel: AriChannel, prefix: string, callOf: (id: string) => string): Record<string, string> {
  return {
    [`${prefix}channel`]: channel.name,
    [`${prefix}uniqueid`]: channel.id,
    [`${prefix}linkedid`]: callOf(channel.id),
    [`${prefix}calleridnum`]: text(channel.caller?.number),
    [`${prefix}connectedlinenum`]: text(channel.connected?.number),
    [`${prefix}exten`]: text(channel.dialplan?.exten),
  };
}

/** A number a PBX may send as text or as a JSON number; anything else reads as empty. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

/**
 * The AMI-shaped message for an event, with the call (`linkedid`) it belongs to; undefined for events
 * that say nothing about calls. `callOf` gives a channel's call: the one recorded, else its own id.
 */
export function toAmiMessage(event: AriEvent, callOf: (id: string) => string): AmiMessage | undefined {
  const time = seconds(event.timestamp);
  const message = (name: string, body: Record<string, string>): AmiMessage =>
    Object.assign(Object.create(null) as AmiMessage, { event: name, ...time, ...body });
  switch (event.type) {
    case 'ChannelCreated':
      return event.channel && message('Newchannel', fields(event.channel, '', callOf));
    case 'ChannelStateChange':
      return event.channel && message('Newstate', fields(event.channel, '', callOf));
    case 'Dial': {
      if (!event.peer) return undefined;
      const linkedid = callOf(event.caller?.id ?? event.peer.id);
      const body = {
        ...(event.caller ? fields(event.caller, '', () => linkedid) : {}),
        ...fields(event.peer, 'dest', () => linkedid),
        linkedid,
        dialstring: event.dialstring ?? '',
      };
      return event.dialstatus
        ? message('DialEnd', { ...body, dialstatus: event.dialstatus })
        : message('DialBegin', body);
    }
    case 'ChannelEnteredBridge':
      return event.channel && message('BridgeEnter', fields(event.channel, '', callOf));
    case 'ChannelDestroyed':
      return (
        event.channel &&
        message('Hangup', {
          ...fields(event.channel, '', callOf),
          cause: String(event.cause ?? ''),
          'cause-txt': event.cause_txt ?? '',
        })
      );
    case 'BridgeBlindTransfer':
      if (!event.channel) return undefined;
      return message('BlindTransfer', {
        result: event.result ?? 'Success',
        ...fields(event.channel, 'transferer', callOf),
        ...(event.transferee ? fields(event.transferee, 'transferee', callOf) : {}),
        extension: event.exten ?? '',
        context: event.context ?? '',
      });
    case 'BridgeAttendedTransfer':
      if (!event.transferer_first_leg) return undefined;
      return message('AttendedTransfer', {
        result: event.result ?? 'Success',
        ...fields(event.transferer_first_leg, 'origtransferer', callOf),
        ...(event.transferer_second_leg ? fields(event.transferer_second_leg, 'secondtransferer', callOf) : {}),
        ...(event.transferee ? fields(event.transferee, 'transferee', callOf) : {}),
        ...(event.transfer_target ? fields(event.transfer_target, 'transfertarget', callOf) : {}),
      });
  }
  return undefined;
}
