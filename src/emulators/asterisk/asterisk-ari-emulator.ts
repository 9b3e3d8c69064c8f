/**
 * An Asterisk emulator speaking ARI (the REST Interface): HTTP with Basic auth or `api_key`, the events
 * WebSocket at /ari/events (one JSON message per event), GET /ari/asterisk/info, /ari/endpoints,
 * /ari/channels, /ari/channels/{id}/variable (CHANNEL(linkedid), CHANNEL(uniqueid), CHANNEL(name)),
 * /ari/bridges, /ari/recordings/stored and /ari/recordings/stored/{name}/file, and POST /ari/channels to
 * originate. It plays the same scripted calls as the AMI emulator, as ARI reports them (ChannelCreated,
 * ChannelStateChange, Dial, ChannelEnteredBridge, ChannelLeftBridge, ChannelDestroyed, BridgeBlindTransfer,
 * BridgeAttendedTransfer; the `recorded` call's recording as RecordingStarted and RecordingFinished), and can
 * drop every WebSocket.
 *
 * Control: POST /_emulator/scenario {name, client?, extensions?}, POST /_emulator/drop {refuseMs?}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { backgroundWork } from '../emulator-http.js';
import { toneWav } from '../tone-wav.js';
import {
  ASTERISK_SCENARIOS,
  ASTERISK_SCENARIO_EXTENSIONS,
  buildOriginate,
  buildScenario,
  type AmiFields,
  type AsteriskScenarioName,
  type ScriptIds,
  type ScriptStep,
} from './asterisk-scenarios.js';
import type { AsteriskScenarioRequest, AsteriskStaffMember } from './asterisk-ami-emulator.js';

export interface AsteriskAriEmulatorOptions {
  port?: number;
  host?: string;
  /** ari.conf users: name → password. */
  users?: Record<string, string>;
  staff?: AsteriskStaffMember[];
  technology?: 'PJSIP' | 'SIP';
  stepMs?: number;
  originate?: Record<string, 'answer' | 'busy' | 'no-answer'>;
}

export interface AsteriskAriEmulator {
  host: string;
  port: number;
  url: string;
  /** Open event WebSockets, by application. */
  sockets(): Array<{ app: string; subscribeAll: boolean }>;
  readonly connections: number;
  readonly requests: ReadonlyArray<{ method: string; path: string; query: Record<string, string> }>;
  /** Plays a scripted call; `recordings` are the names of the stored recordings it made. */
  playScenario(request: AsteriskScenarioRequest): Promise<{ linkedid: string; recordings: string[] }>;
  /** Plays the rest of a call started with `until`, on the script's clock. */
  finishCall(linkedid: string): Promise<void>;
  drop(refuseMs?: number): void;
  idle(): Promise<void>;
  close(): Promise<void>;
}

const TRUNK = 'provider';
const LINE = '74951234567';

interface Client {
  socket: WebSocket;
  app: string;
  subscribeAll: boolean;
}

export async function startAsteriskAriEmulator(options: AsteriskAriEmulatorOptions = {}): Promise<AsteriskAriEmulator> {
  const host = options.host ?? '127.0.0.1';
  const users = options.users ?? { switchboard: 'emulator-secret' };
  const staff = options.staff ?? [{ extension: '101' }, { extension: '102' }, { extension: '103' }];
  const technology = options.technology ?? 'PJSIP';
  const stepMs = options.stepMs ?? 2;
  const clients = new Set<Client>();
  const live = new Map<string, Record<string, unknown>>();
  // What ARI's Channel object leaves out but Asterisk knows: each live channel's Linkedid, and the bridges.
  const linkedids = new Map<string, string>();
  const bridges = new Map<string, { id: string; channels: string[]; creationtime: string }>();
  // The names of the recordings running, by channel; when each started; the stored ones.
  const recording = new Map<string, string>();
  const recordingStart = new Map<string, number>();
  const stored = new Set<string>();
  const wav = toneWav();
  const requests: Array<{ method: string; path: string; query: Record<string, string> }> = [];
  const background = backgroundWork();
  let refuseUntil = 0;
  let connections = 0;
  let sequence = 0;
  const epoch = Math.floor(Date.now() / 1000);
  const ids: ScriptIds = {
    uniqueid: () => `${epoch}.${++sequence}`,
    suffix: () => (sequence + 0x100).toString(16).padStart(8, '0'),
    bridge: () => `bridge-${epoch}-${++sequence}`,
  };

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    const header = req.headers.authorization ?? '';
    const basic = /^Basic (.+)$/i.exec(header);
    const [user, password] = basic
      ? Buffer.from(basic[1]!, 'base64').toString().split(':')
      : (url.searchParams.get('api_key') ?? '').split(':');
    return user !== undefined && users[user] !== undefined && users[user] === password;
  };

  const broadcast = (events: Array<Record<string, unknown>>) => {
    for (const client of clients) {
      for (const event of events)
        client.socket.send(JSON.stringify({ ...event, application: client.app, asterisk_id: '00:00:00:00:00:01' }));
    }
  };
  const play = async (steps: ScriptStep[], startAt: number, rename: Map<string, string>, refuseMs: number) => {
    for (const step of steps) {
      if (stepMs > 0) await delay(stepMs);
      if (step.drop && Date.now() >= refuseUntil && clients.size > 0) drop(refuseMs);
      const events = [
        ...recordingEvents(step.fields, startAt + step.at, rename),
        ...toAri(step.fields, startAt + step.at, rename),
      ];
      track(step.fields, rename, startAt + step.at);
      for (const event of events) trackChannel(event);
      broadcast(events);
    }
  };
  const trackChannel = (event: Record<string, unknown>) => {
    const channel = event.channel as { id: string } | undefined;
    if (!channel) return;
    if (event.type === 'ChannelCreated' || event.type === 'ChannelStateChange') live.set(channel.id, channel);
    if (event.type === 'ChannelDestroyed') {
      live.delete(channel.id);
      linkedids.delete(channel.id);
    }
  };
  /** Linkedids and bridge membership from the script's AMI fields, which carry them. */
  const track = (list: AmiFields, rename: Map<string, string>, at: number) => {
    const fields = Object.fromEntries(list) as Record<string, string>;
    const id = (value: string | undefined) => (value === undefined ? undefined : (rename.get(value) ?? value));
    for (const prefix of ['', 'Dest']) {
      const uniqueid = id(fields[`${prefix}Uniqueid`]);
      const linkedid = id(fields[`${prefix}Linkedid`]);
      if (uniqueid && linkedid && fields.Event !== 'Hangup') linkedids.set(uniqueid, linkedid);
    }
    const channel = id(fields.Uniqueid);
    const bridgeId = fields.BridgeUniqueid;
    if (!channel) return;
    if (fields.Event === 'BridgeEnter' && bridgeId) {
      const bridge = bridges.get(bridgeId) ?? { id: bridgeId, channels: [], creationtime: ariTime(at) };
      if (!bridge.channels.includes(channel)) bridge.channels.push(channel);
      bridges.set(bridgeId, bridge);
    }
    if (fields.Event === 'BridgeLeave' || fields.Event === 'Hangup') {
      for (const bridge of bridges.values()) {
        bridge.channels = bridge.channels.filter((member) => member !== channel);
        if (bridge.channels.length === 0) bridges.delete(bridge.id);
      }
    }
  };
  /**
   * A recording on a channel as ARI reports it (Events REST API, "RecordingStarted", "RecordingFinished"):
   * where the AMI script starts MixMonitor, the channel is recorded until its hangup, then stored.
   */
  const recordingEvents = (list: AmiFields, at: number, rename: Map<string, string>) => {
    const fields = Object.fromEntries(list) as Record<string, string>;
    const uniqueid = fields.Uniqueid ? (rename.get(fields.Uniqueid) ?? fields.Uniqueid) : undefined;
    if (!uniqueid) return [];
    const described = (name: string, state: string) => ({
      name,
      format: 'wav',
      state,
      target_uri: `channel:${uniqueid}`,
      ...(state === 'done' ? { duration: Math.round(at - recordingStart.get(name)!) } : {}),
    });
    if (fields.Event === 'MixMonitorStart' && !recording.has(uniqueid)) {
      const name = recordingName(uniqueid);
      recording.set(uniqueid, name);
      recordingStart.set(name, at);
      return [{ type: 'RecordingStarted', timestamp: ariTime(at), recording: described(name, 'recording') }];
    }
    const name = recording.get(uniqueid);
    if (fields.Event !== 'Hangup' || !name) return [];
    recording.delete(uniqueid);
    stored.add(name);
    return [{ type: 'RecordingFinished', timestamp: ariTime(at), recording: described(name, 'done') }];
  };
  const drop = (refuseMs = 300) => {
    refuseUntil = Date.now() + refuseMs;
    for (const client of clients) client.socket.terminate();
    clients.clear();
  };

  const originate = (query: Record<string, string>, res: ServerResponse) => {
    const match = /^([A-Za-z0-9]+)\/(\d{1,6})$/.exec(query.endpoint ?? '');
    if (!match || match[1]!.toUpperCase() !== technology || !query.extension || !query.context) {
      return json(res, 400, { message: 'endpoint, extension and context are required' });
    }
    const extension = match[2]!;
    const known = staff.find((member) => member.extension === extension);
    if (!known) return json(res, 400, { message: `Endpoint ${query.endpoint} not found` });
    const outcome = known.state === 'Unavailable' ? 'no-answer' : (options.originate?.[extension] ?? 'answer');
    const startAt = Date.now() / 1000;
    const script = buildOriginate(
      {
        technology,
        extension,
        number: query.extension,
        context: query.context,
        trunk: TRUNK,
        ids,
        cdr: false,
        variables: [],
      },
      startAt,
      outcome,
    );
    const rename = new Map(query.channelId ? [[script.agent.uniqueid, query.channelId]] : []);
    const channel = ariChannel(
      Object.fromEntries(script.steps[0]!.fields) as Record<string, string>,
      '',
      startAt,
      rename,
    );
    json(res, 200, channel);
    background.run(play(script.steps, startAt, rename, 300));
  };

  const playScenario = async (request: AsteriskScenarioRequest) => {
    if (!ASTERISK_SCENARIOS.includes(request.name)) throw new Error(`Unknown scenario "${String(request.name)}"`);
    const extensions =
      request.extensions ??
      staff
        .slice(0, ASTERISK_SCENARIO_EXTENSIONS[request.name as AsteriskScenarioName])
        .map((member) => member.extension);
    const startAt = Date.now() / 1000;
    const script = buildScenario(
      {
        name: request.name,
        technology,
        client: request.client ?? '79161234567',
        extensions,
        line: LINE,
        trunk: TRUNK,
        ids,
        cdr: false,
      },
      startAt,
    );
    const until = request.until;
    const steps = until === undefined ? script.steps : script.steps.filter((step) => step.at <= until);
    if (until !== undefined) {
      unfinished.set(script.linkedid, { steps: script.steps.filter((step) => step.at > until), startAt });
    }
    await play(steps, startAt, new Map(), request.refuseMs ?? 300);
    return { linkedid: script.linkedid, recordings: script.recordings.map(recordingName) };
  };
  const unfinished = new Map<string, { steps: ScriptStep[]; startAt: number }>();
  const finishCall = async (linkedid: string) => {
    const rest = unfinished.get(linkedid);
    if (!rest) throw new Error(`No call ${linkedid} was left unfinished (play it with "until")`);
    unfinished.delete(linkedid);
    await play(rest.steps, rest.startAt, new Map(), 300);
  };

  // getChannelVar reads variables and dialplan functions; these are the ones the emulator knows.
  const channelVariable = (id: string, name: string | undefined, res: ServerResponse) => {
    const channel = live.get(id) as { id: string; name: string } | undefined;
    if (!name) return json(res, 400, { message: 'Variable name is required' });
    if (!channel) return json(res, 404, { message: 'Channel or variable not found' });
    const values: Record<string, string | undefined> = {
      'CHANNEL(linkedid)': linkedids.get(id) ?? id,
      'CHANNEL(uniqueid)': id,
      'CHANNEL(name)': channel.name,
    };
    const value = values[name];
    if (value === undefined) return json(res, 404, { message: 'Provided variable was not found' });
    return json(res, 200, { value });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const query = Object.fromEntries(url.searchParams);
    if (url.pathname.startsWith('/_emulator/')) {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
      if (req.method === 'POST' && url.pathname === '/_emulator/scenario') {
        return json(res, 200, await playScenario(body as unknown as AsteriskScenarioRequest));
      }
      if (req.method === 'POST' && url.pathname === '/_emulator/drop') {
        drop(typeof body.refuseMs === 'number' ? body.refuseMs : 300);
        return json(res, 200, { dropped: true });
      }
      return json(res, 404, { message: 'No such control route' });
    }
    if (!url.pathname.startsWith('/ari/')) return json(res, 404, { message: 'Not found' });
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query });
    if (!authorised(req, url)) return json(res, 401, { message: 'Authentication required' });
    const route = `${req.method} ${url.pathname}`;
    const variable = /^\/ari\/channels\/([^/]+)\/variable$/.exec(url.pathname);
    if (req.method === 'GET' && variable) return channelVariable(decodeURIComponent(variable[1]!), query.variable, res);
    const file = /^\/ari\/recordings\/stored\/([^/]+)\/file$/.exec(url.pathname);
    if (req.method === 'GET' && file) {
      // Asterisk answers the whole file, typed by its extension (resource_recordings.c), with no Range support.
      if (!stored.has(decodeURIComponent(file[1]!))) return json(res, 404, { message: 'Recording not found' });
      res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': wav.length }).end(wav);
      return;
    }
    switch (route) {
      case 'GET /ari/asterisk/info':
        return json(res, 200, {
          build: { os: 'Linux', kernel: '6.1', machine: 'x86_64', date: '2024-01-01', user: 'emulator', options: '' },
          system: { version: '20.5.0', entity_id: '00:00:00:00:00:01' },
          config: { name: 'emulator', default_language: 'en' },
          status: {
            startup_time: new Date(epoch * 1000).toISOString(),
            last_reload_time: new Date(epoch * 1000).toISOString(),
          },
        });
      case 'GET /ari/endpoints':
        return json(res, 200, [
          ...staff.map((member) => ({
            technology,
            resource: member.extension,
            state: member.state === 'Unavailable' ? 'offline' : 'online',
            channel_ids: [],
          })),
          { technology, resource: TRUNK, state: 'online', channel_ids: [] },
        ]);
      case 'GET /ari/channels':
        return json(res, 200, [...live.values()]);
      case 'GET /ari/bridges':
        return json(
          res,
          200,
          [...bridges.values()].map((bridge) => ({
            id: bridge.id,
            technology: 'simple_bridge',
            bridge_type: 'mixing',
            bridge_class: 'basic',
            creator: '',
            name: '',
            channels: bridge.channels,
            creationtime: bridge.creationtime,
            video_mode: 'none',
          })),
        );
      case 'GET /ari/recordings/stored':
        return json(
          res,
          200,
          [...stored].map((name) => ({ name, format: 'wav' })),
        );
      case 'POST /ari/channels':
        return originate(query, res);
    }
    return json(res, 404, { message: 'Resource not found' });
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => json(res, 500, { message: (error as Error).message }));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname !== '/ari/events' || Date.now() < refuseUntil) return socket.destroy();
    if (!authorised(req, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const app = url.searchParams.get('app');
    if (!app) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const client = { socket: ws, app, subscribeAll: url.searchParams.get('subscribeAll') === 'true' };
      clients.add(client);
      connections++;
      ws.on('close', () => clients.delete(client));
      ws.on('error', () => undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    host,
    port,
    url: `http://${host}:${port}`,
    sockets: () => [...clients].map(({ app, subscribeAll }) => ({ app, subscribeAll })),
    get connections() {
      return connections;
    },
    requests,
    playScenario,
    finishCall,
    drop,
    idle: background.idle,
    async close() {
      for (const client of clients) client.socket.terminate();
      wss.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The stored recording's name for a recorded channel (ARI's `record` takes the name from the application). */
function recordingName(uniqueid: string): string {
  return `switchboard-${uniqueid}`;
}

/** An ARI Channel object from AMI channel fields with `prefix` (Channels_REST_API, "Channel"). */
function ariChannel(fields: Record<string, string>, prefix: string, at: number, rename: Map<string, string>) {
  const get = (key: string) => fields[`${prefix}${key}`] ?? '';
  const id = get('Uniqueid');
  return {
    id: rename.get(id) ?? id,
    name: get('Channel'),
    state: get('ChannelStateDesc'),
    caller: { name: get('CallerIDName'), number: get('CallerIDNum') },
    connected: { name: get('ConnectedLineName'), number: get('ConnectedLineNum') },
    accountcode: '',
    dialplan: { context: get('Context'), exten: get('Exten'), priority: 1, app_name: '', app_data: '' },
    creationtime: ariTime(at),
    language: 'en',
  };
}

/** The AMI script step as the ARI events Asterisk sends for it. */
function toAri(list: AmiFields, at: number, rename: Map<string, string>): Array<Record<string, unknown>> {
  const fields = Object.fromEntries(list) as Record<string, string>;
  const channel = (prefix: string) => ariChannel(fields, prefix, at, rename);
  const timestamp = ariTime(at);
  const has = (prefix: string) => fields[`${prefix}Channel`] !== undefined;
  switch (fields.Event) {
    case 'Newchannel':
      return [{ type: 'ChannelCreated', timestamp, channel: channel('') }];
    case 'Newstate':
      return [{ type: 'ChannelStateChange', timestamp, channel: channel('') }];
    case 'DialBegin':
    case 'DialEnd':
      return [
        {
          type: 'Dial',
          timestamp,
          ...(has('') ? { caller: channel('') } : {}),
          peer: channel('Dest'),
          dialstring: fields.DialString ?? '',
          dialstatus: fields.DialStatus ?? '',
        },
      ];
    case 'BridgeEnter':
      return [{ type: 'ChannelEnteredBridge', timestamp, bridge: { id: fields.BridgeUniqueid }, channel: channel('') }];
    case 'BridgeLeave':
      return [{ type: 'ChannelLeftBridge', timestamp, bridge: { id: fields.BridgeUniqueid }, channel: channel('') }];
    case 'Hangup':
      return [
        { type: 'ChannelHangupRequest', timestamp, cause: Number(fields.Cause), channel: channel('') },
        {
          type: 'ChannelDestroyed',
          timestamp,
          cause: Number(fields.Cause),
          cause_txt: fields['Cause-txt'],
          channel: channel(''),
        },
      ];
    case 'BlindTransfer':
      return [
        {
          type: 'BridgeBlindTransfer',
          timestamp,
          channel: channel('Transferer'),
          transferee: channel('Transferee'),
          exten: fields.Extension,
          context: fields.Context,
          result: fields.Result,
          is_external: false,
          bridge: { id: fields.BridgeUniqueid },
        },
      ];
    case 'AttendedTransfer':
      return [
        {
          type: 'BridgeAttendedTransfer',
          timestamp,
          transferer_first_leg: channel('OrigTransferer'),
          transferer_second_leg: channel('SecondTransferer'),
          transferee: channel('Transferee'),
          transfer_target: channel('TransferTarget'),
          destination_type: 'bridge',
          destination_bridge: fields.DestBridgeUniqueid,
          result: fields.Result,
          is_external: false,
        },
      ];
  }
  // MixMonitorStart and Cdr have no ARI counterpart.
  return [];
}

/** ARI's time format, e.g. 2023-11-14T22:13:20.000+0000. */
function ariTime(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString().replace('Z', '+0000');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
