/**
 * An Asterisk emulator speaking ARI (the REST Interface): HTTP with Basic auth or `api_key`, the events
 * WebSocket at /ari/events (one JSON message per event), GET /ari/asterisk/info, /ari/endpoints and
 * /ari/channels, and POST /ari/channels to originate. It plays the same scripted calls as the AMI
 * emulator, as ARI reports them (ChannelCreated, ChannelStateChange, Dial, ChannelEnteredBridge,
 * ChannelDestroyed, BridgeBlindTransfer, BridgeAttendedTransfer), and can drop every WebSocket.
 *
 * Control: POST /_emulator/scenario {name, client?, extensions?}, POST /_emulator/drop {refuseMs?}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { backgroundWork } from '../emulator-http.js';
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
  playScenario(request: AsteriskScenarioRequest): Promise<{ linkedid: string }>;
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
      const events = toAri(step.fields, startAt + step.at, rename);
      for (const event of events) track(event);
      broadcast(events);
    }
  };
  const track = (event: Record<string, unknown>) => {
    const channel = event.channel as { id: string } | undefined;
    if (!channel) return;
    if (event.type === 'ChannelCreated' || event.type === 'ChannelStateChange') live.set(channel.id, channel);
    if (event.type === 'ChannelDestroyed') live.delete(channel.id);
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
    await play(script.steps, startAt, new Map(), request.refuseMs ?? 300);
    return { linkedid: script.linkedid };
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
    drop,
    idle: background.idle,
    async close() {
      for (const client of clients) client.socket.terminate();
      wss.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
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
