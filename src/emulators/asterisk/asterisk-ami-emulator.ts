/**
 * An Asterisk emulator speaking the Manager Interface (AMI) over real TCP, for tests, the demo and
 * integrators: the greeting, Challenge/Login (MD5 or plain), ActionID on every response, Ping, Logoff,
 * Originate (Async, with an OriginateResponse event), PJSIPShowEndpoints, SIPpeers and CoreShowChannels
 * as event lists; call events broadcast to every logged-in session that asked for events.
 * It plays scripted calls, can drop every session (and refuse new ones for a while) to test reconnects,
 * and serves the recordings of recorded calls over HTTP as MixMonitor files.
 *
 * Control over HTTP: POST /_emulator/scenario {name, client?, extensions?}, POST /_emulator/drop
 * {refuseMs?}, GET /_emulator/actions; recordings: GET /monitor/<uniqueid>.wav.
 */
import { createHash, randomInt } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
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

export interface AsteriskStaffMember {
  extension: string;
  /**
   * PJSIP DeviceState; default "Not in use". "Unavailable" = not registered. With chan_sip the SIPpeers
   * Status instead (default "OK (5 ms)", e.g. "LAGGED (600 ms)"); "Unavailable" is an unregistered peer.
   */
  state?: string;
}

export interface AsteriskAmiEmulatorOptions {
  /** 0 or absent: any free port (also for `httpPort`). */
  port?: number;
  httpPort?: number;
  host?: string;
  /** manager.conf users: [section] name → secret. */
  users?: Record<string, string>;
  staff?: AsteriskStaffMember[];
  technology?: 'PJSIP' | 'SIP';
  /** `timestampevents = yes` in manager.conf; default true. */
  timestamps?: boolean;
  /** cdr_manager enabled; default true. */
  cdr?: boolean;
  /** Real milliseconds between two events of a script (their Timestamps follow the script's own clock). */
  stepMs?: number;
  /** How extensions answer click-to-call (Originate); default answer. */
  originate?: Record<string, 'answer' | 'busy' | 'no-answer'>;
  /** channelvars in manager.conf: these channel variables show in events as `ChanVariable`. */
  channelVariables?: string[];
  /** chan_sip: sip.conf `qualify = yes` (default); without it every peer's Status is "Unmonitored". */
  qualify?: boolean;
}

export interface AsteriskScenarioRequest {
  name: AsteriskScenarioName;
  client?: string;
  extensions?: string[];
  /** For `dropped-connection`: how long new logins are refused after the drop; default 300 ms. */
  refuseMs?: number;
  /** Play only the script's first `until` seconds: the call stays up (its channels live). */
  until?: number;
}

export interface AsteriskReceivedAction {
  action: string;
  fields: Record<string, string>;
  username: string | null;
  at: string;
}

export interface AsteriskAmiEmulator {
  host: string;
  /** The AMI port, for the connection settings. */
  port: number;
  /** The HTTP origin of the control endpoints and recordings. */
  url: string;
  /** What to put in the recording URL template setting. */
  recordUrlTemplate: string;
  readonly actions: readonly AsteriskReceivedAction[];
  /** Logged-in sessions now, by user. */
  sessions(): Array<{ username: string; events: boolean }>;
  /** How many logins succeeded since the start. */
  readonly logins: number;
  /** Plays a scripted call to every session; resolves with its Linkedid once its last event is sent. */
  playScenario(request: AsteriskScenarioRequest): Promise<{ linkedid: string; recordings: string[] }>;
  /** Plays the rest of a call started with `until` (its hangup and Cdr), on the script's clock. */
  finishCall(linkedid: string): Promise<void>;
  /** Closes every AMI session now, and refuses new connections for `refuseMs`. */
  drop(refuseMs?: number): void;
  /** Resolves when background work (originated calls) is done. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_STAFF: AsteriskStaffMember[] = [{ extension: '101' }, { extension: '102' }, { extension: '103' }];
const TRUNK = 'provider';
const LINE = '74951234567';
const GREETING = 'Asterisk Call Manager/9.0.0\r\n';

interface Session {
  socket: Socket;
  username: string | null;
  events: boolean;
  challenge: string | null;
}

export async function startAsteriskAmiEmulator(options: AsteriskAmiEmulatorOptions = {}): Promise<AsteriskAmiEmulator> {
  const host = options.host ?? '127.0.0.1';
  const users = options.users ?? { switchboard: 'emulator-secret' };
  const staff = options.staff ?? DEFAULT_STAFF;
  const technology = options.technology ?? 'PJSIP';
  const timestamps = options.timestamps ?? true;
  const cdr = options.cdr ?? true;
  const stepMs = options.stepMs ?? 2;
  const qualify = options.qualify ?? true;
  const channelVariables = new Set(
    (options.channelVariables ?? ['SWITCHBOARD_ORIGINATION']).map((name) => name.toUpperCase()),
  );
  const sessions = new Set<Session>();
  const actions: AsteriskReceivedAction[] = [];
  const live = new Map<string, Record<string, string>>();
  const recordings = new Set<string>();
  const background = backgroundWork();
  const wav = toneWav();
  let logins = 0;
  let refuseUntil = 0;
  let sequence = 0;
  const epoch = Math.floor(Date.now() / 1000);
  const ids: ScriptIds = {
    uniqueid: () => `${epoch}.${++sequence}`,
    suffix: () => (sequence + 0x100).toString(16).padStart(8, '0'),
    bridge: () => `bridge-${epoch}-${++sequence}`,
  };

  const write = (session: Session, fields: AmiFields) => {
    if (!session.socket.writable) return;
    session.socket.write(`${fields.map(([key, value]) => `${key}: ${value}`).join('\r\n')}\r\n\r\n`);
  };
  const broadcast = (fields: AmiFields, at: number) => {
    const stamped: AmiFields = timestamps
      ? [...fields.slice(0, 2), ['Timestamp', at.toFixed(6)], ...fields.slice(2)]
      : fields;
    for (const session of sessions) if (session.username && session.events) write(session, stamped);
  };
  const track = (fields: AmiFields) => {
    const get = (key: string) => fields.find(([name]) => name === key)?.[1];
    const event = get('Event');
    const uniqueid = get('Uniqueid');
    if (!uniqueid) return;
    if (event === 'Newchannel' || event === 'Newstate')
      live.set(uniqueid, Object.fromEntries(fields.filter(([key]) => key !== 'Event' && key !== 'Privilege')));
    if (event === 'Hangup') live.delete(uniqueid);
  };
  const play = async (steps: ScriptStep[], startAt: number, refuseMs: number) => {
    for (const step of steps) {
      if (stepMs > 0) await delay(stepMs);
      if (step.drop && Date.now() >= refuseUntil && sessions.size > 0) drop(refuseMs);
      track(step.fields);
      broadcast(step.fields, startAt + step.at);
    }
  };
  const drop = (refuseMs = 300) => {
    refuseUntil = Date.now() + refuseMs;
    for (const session of sessions) session.socket.destroy();
    sessions.clear();
  };

  const respond = (session: Session, actionId: string | undefined, fields: AmiFields) =>
    write(session, [
      fields[0]!,
      ...(actionId === undefined ? [] : ([['ActionID', actionId]] as AmiFields)),
      ...fields.slice(1),
    ]);

  const list = (
    session: Session,
    actionId: string | undefined,
    what: string,
    events: AmiFields[],
    complete: string,
  ) => {
    respond(session, actionId, [
      ['Response', 'Success'],
      ['EventList', 'start'],
      ['Message', `${what} will follow`],
    ]);
    for (const event of events) respond(session, actionId, event);
    respond(session, actionId, [
      ['Event', complete],
      ['EventList', 'Complete'],
      ['ListItems', String(events.length)],
    ]);
  };

  const handle = (session: Session, fields: Record<string, string>, variables: string[]) => {
    const action = (fields.action ?? '').toLowerCase();
    const actionId = fields.actionid;
    actions.push({ action: fields.action ?? '', fields, username: session.username, at: new Date().toISOString() });
    if (!action)
      return respond(session, actionId, [
        ['Response', 'Error'],
        ['Message', 'Missing action in request'],
      ]);
    if (!session.username && !['login', 'challenge', 'logoff'].includes(action)) {
      return respond(session, actionId, [
        ['Response', 'Error'],
        ['Message', 'Permission denied'],
      ]);
    }
    switch (action) {
      case 'challenge': {
        if ((fields.authtype ?? '').toLowerCase() !== 'md5') {
          return respond(session, actionId, [
            ['Response', 'Error'],
            ['Message', 'Must specify AuthType'],
          ]);
        }
        session.challenge = String(randomInt(100_000_000, 999_999_999));
        return respond(session, actionId, [
          ['Response', 'Success'],
          ['Challenge', session.challenge],
        ]);
      }
      case 'login': {
        const secret = users[fields.username ?? ''];
        const md5 = (fields.authtype ?? '').toLowerCase() === 'md5';
        const ok =
          secret !== undefined &&
          (md5
            ? session.challenge !== null &&
              fields.key ===
                createHash('md5')
                  .update(session.challenge + secret)
                  .digest('hex')
            : fields.secret === secret);
        if (!ok) {
          respond(session, actionId, [
            ['Response', 'Error'],
            ['Message', 'Authentication failed'],
          ]);
          session.socket.end();
          return;
        }
        session.username = fields.username!;
        session.events = (fields.events ?? 'on').toLowerCase() !== 'off';
        logins++;
        respond(session, actionId, [
          ['Response', 'Success'],
          ['Message', 'Authentication accepted'],
        ]);
        if (session.events)
          write(session, [
            ['Event', 'FullyBooted'],
            ['Privilege', 'system,all'],
            ['Uptime', '1000'],
            ['LastReload', '1000'],
            ['Status', 'Fully Booted'],
          ]);
        return;
      }
      case 'logoff':
        respond(session, actionId, [
          ['Response', 'Goodbye'],
          ['Message', 'Thanks for all the fish.'],
        ]);
        session.socket.end();
        return;
      case 'ping':
        return respond(session, actionId, [
          ['Response', 'Success'],
          ['Ping', 'Pong'],
          ['Timestamp', (Date.now() / 1000).toFixed(6)],
        ]);
      case 'events':
        session.events = (fields.eventmask ?? 'on').toLowerCase() !== 'off';
        return respond(session, actionId, [
          ['Response', 'Success'],
          ['Events', session.events ? 'On' : 'Off'],
        ]);
      case 'pjsipshowendpoints':
        if (technology !== 'PJSIP')
          return respond(session, actionId, [
            ['Response', 'Error'],
            ['Message', 'Invalid/unknown command: PJSIPShowEndpoints.'],
          ]);
        return list(
          session,
          actionId,
          'A listing of Endpoints',
          [
            ...staff.map((member) => endpoint(member.extension, member.state ?? 'Not in use')),
            endpoint(TRUNK, 'Not in use'),
          ],
          'EndpointListComplete',
        );
      case 'sippeers':
        if (technology !== 'SIP')
          return respond(session, actionId, [
            ['Response', 'Error'],
            ['Message', 'Invalid/unknown command: SIPpeers.'],
          ]);
        return list(
          session,
          actionId,
          'Peer status list',
          [...staff.map((member) => peerEntry(member, qualify)), peerEntry({ extension: TRUNK }, qualify)],
          'PeerlistComplete',
        );
      case 'coreshowchannels':
        return list(
          session,
          actionId,
          'Channels',
          [...live.values()].map((channel): AmiFields => [
            ['Event', 'CoreShowChannel'],
            ...(timestamps ? ([['Timestamp', (Date.now() / 1000).toFixed(6)]] as AmiFields) : []),
            ...Object.entries(channel),
            ['Application', 'Dial'],
            ['Duration', '00:00:10'],
          ]),
          'CoreShowChannelsComplete',
        );
      case 'originate':
        return originate(session, actionId, fields, variables);
      default:
        return respond(session, actionId, [
          ['Response', 'Error'],
          [
            'Message',
            `Invalid/unknown command: ${fields.action}. Use Action: ListCommands to show available commands.`,
          ],
        ]);
    }
  };

  const originate = (
    session: Session,
    actionId: string | undefined,
    fields: Record<string, string>,
    assignments: string[],
  ) => {
    const match = /^([A-Za-z0-9]+)\/(\d{1,6})$/.exec(fields.channel ?? '');
    if (!match || match[1]!.toUpperCase() !== technology || !fields.exten || !fields.context) {
      return respond(session, actionId, [
        ['Response', 'Error'],
        ['Message', 'Originate failed: give Channel <tech>/<ext>, Context and Exten'],
      ]);
    }
    const extension = match[2]!;
    const async = /^(true|yes|1)$/i.test(fields.async ?? '');
    const known = staff.find((member) => member.extension === extension);
    const outcome = !known || known.state === 'Unavailable' ? 'failed' : (options.originate?.[extension] ?? 'answer');
    const variables = assignments
      .map(
        (assignment) =>
          [assignment.split('=')[0] ?? '', assignment.slice(assignment.indexOf('=') + 1)] as [string, string],
      )
      .filter(([name]) => channelVariables.has(name.toUpperCase()));
    const startAt = Date.now() / 1000;
    const script =
      outcome === 'failed'
        ? undefined
        : buildOriginate(
            { technology, extension, number: fields.exten, context: fields.context, trunk: TRUNK, ids, cdr, variables },
            startAt,
            outcome,
          );
    if (async)
      respond(session, actionId, [
        ['Response', 'Success'],
        ['Message', 'Originate successfully queued'],
      ]);
    const work = (async () => {
      if (script) {
        const answered = script.answeredAt;
        let responded = false;
        for (const step of script.steps) {
          if (stepMs > 0) await delay(stepMs);
          track(step.fields);
          broadcast(step.fields, startAt + step.at);
          if (
            !responded &&
            (answered === null
              ? step.fields[0]![1] === 'Hangup'
              : step.at >= answered && step.fields[0]![1] === 'DialEnd')
          ) {
            responded = true;
            sendOriginateResponse(
              session,
              actionId,
              async,
              answered !== null,
              script.agent.name,
              script.agent.uniqueid,
              outcome,
              fields,
              startAt + step.at,
            );
          }
        }
      } else {
        sendOriginateResponse(session, actionId, async, false, '', '', 'failed', fields, Date.now() / 1000);
      }
    })();
    background.run(work);
  };

  const sendOriginateResponse = (
    session: Session,
    actionId: string | undefined,
    async: boolean,
    success: boolean,
    channel: string,
    uniqueid: string,
    outcome: string,
    fields: Record<string, string>,
    at: number,
  ) => {
    if (!async) {
      respond(
        session,
        actionId,
        success
          ? [
              ['Response', 'Success'],
              ['Message', 'Originate successfully queued'],
            ]
          : [
              ['Response', 'Error'],
              ['Message', 'Originate failed'],
            ],
      );
      return;
    }
    // Reason: the originated channel's last control frame (0 failed, 3 ringing = no answer, 4 answered, 5 busy).
    const reason = success ? '4' : outcome === 'busy' ? '5' : outcome === 'no-answer' ? '3' : '0';
    broadcast(
      [
        ['Event', 'OriginateResponse'],
        ['Privilege', 'call,all'],
        ...(actionId === undefined ? [] : ([['ActionID', actionId]] as AmiFields)),
        ['Response', success ? 'Success' : 'Failure'],
        ['Channel', channel || (fields.channel ?? '')],
        ['Context', fields.context ?? ''],
        ['Exten', fields.exten ?? ''],
        ['Application', ''],
        ['Data', ''],
        ['Reason', reason],
        ['Uniqueid', uniqueid || '<null>'],
        ['CallerIDNum', '<unknown>'],
        ['CallerIDName', '<unknown>'],
      ],
      at,
    );
  };

  const server: Server = createServer((socket) => {
    if (Date.now() < refuseUntil) {
      socket.destroy();
      return;
    }
    socket.setEncoding('utf8');
    const session: Session = { socket, username: null, events: false, challenge: null };
    sessions.add(session);
    socket.write(GREETING);
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        const match = /\r?\n\r?\n/.exec(buffer);
        if (!match) break;
        const text = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        const fields: Record<string, string> = {};
        const variables: string[] = [];
        for (const line of text.split(/\r?\n/)) {
          const colon = line.indexOf(':');
          if (colon <= 0) continue;
          const key = line.slice(0, colon).trim().toLowerCase();
          const value = line.slice(colon + 1).trim();
          // Originate takes several Variable lines; other keys keep their first value.
          if (key === 'variable') variables.push(...value.split(','));
          else if (!(key in fields)) fields[key] = value;
        }
        if (Object.keys(fields).length > 0) handle(session, fields, variables);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;

  const unfinished = new Map<string, { steps: ScriptStep[]; startAt: number }>();
  const finishCall = async (linkedid: string) => {
    const rest = unfinished.get(linkedid);
    if (!rest) throw new Error(`No call ${linkedid} was left unfinished (play it with "until")`);
    unfinished.delete(linkedid);
    await play(rest.steps, rest.startAt, 300);
  };

  const playScenario = async (request: AsteriskScenarioRequest) => {
    if (!ASTERISK_SCENARIOS.includes(request.name)) {
      throw new Error(`Unknown scenario "${String(request.name)}": one of ${ASTERISK_SCENARIOS.join(', ')}`);
    }
    const extensions =
      request.extensions ??
      staff.slice(0, ASTERISK_SCENARIO_EXTENSIONS[request.name]).map((member) => member.extension);
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
        cdr,
      },
      startAt,
    );
    for (const uniqueid of script.recordings) recordings.add(uniqueid);
    const steps = request.until === undefined ? script.steps : script.steps.filter((step) => step.at <= request.until!);
    if (request.until !== undefined) {
      unfinished.set(script.linkedid, { steps: script.steps.filter((step) => step.at > request.until!), startAt });
    }
    await play(steps, startAt, request.refuseMs ?? 300);
    return { linkedid: script.linkedid, recordings: script.recordings };
  };

  const http = createHttpServer((req, res) => {
    void control(req, res).catch((error: unknown) => json(res, 400, { error: (error as Error).message }));
  });
  const control = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const monitor = /^\/monitor\/([\w.-]+)\.wav$/.exec(url.pathname);
    if (req.method === 'GET' && monitor) {
      if (!recordings.has(monitor[1]!)) return json(res, 404, { error: 'No such recording' });
      res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': wav.length }).end(wav);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/_emulator/actions') return json(res, 200, actions);
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
    return json(res, 404, { error: `No route ${req.method} ${url.pathname}` });
  };
  await new Promise<void>((resolve) => http.listen(options.httpPort ?? 0, host, resolve));
  const url = `http://${host}:${(http.address() as AddressInfo).port}`;

  return {
    host,
    port,
    url,
    recordUrlTemplate: `${url}/monitor/{uniqueid}.wav`,
    actions,
    sessions: () =>
      [...sessions]
        .filter((session) => session.username)
        .map((session) => ({ username: session.username!, events: session.events })),
    get logins() {
      return logins;
    },
    playScenario,
    finishCall,
    drop,
    idle: background.idle,
    async close() {
      for (const session of sessions) session.socket.destroy();
      await Promise.all([
        new Promise((resolve) => server.close(resolve)),
        new Promise((resolve) => http.close(resolve)),
      ]);
    },
  };
}

/**
 * A chan_sip peer as `SIPpeers` lists it (chan_sip.c `_sip_show_peers`): Status is "OK (n ms)", "LAGGED (n ms)",
 * "UNREACHABLE" or "UNKNOWN" when qualified, "Unmonitored" when not; an unregistered peer has no address.
 */
function peerEntry(member: AsteriskStaffMember, qualify: boolean): AmiFields {
  const registered = member.state !== 'Unavailable';
  const status = !qualify ? 'Unmonitored' : registered ? (member.state ?? 'OK (5 ms)') : 'UNREACHABLE';
  return [
    ['Event', 'PeerEntry'],
    ['Channeltype', 'SIP'],
    ['ObjectName', member.extension],
    ['ChanObjectType', 'peer'],
    ['IPaddress', registered ? '192.0.2.10' : '-none-'],
    ['IPport', registered ? '5060' : '0'],
    ['Dynamic', 'yes'],
    ['AutoForcerport', 'no'],
    ['Forcerport', 'yes'],
    ['AutoComedia', 'no'],
    ['Comedia', 'no'],
    ['VideoSupport', 'no'],
    ['TextSupport', 'no'],
    ['ACL', 'no'],
    ['Status', status],
    ['RealtimeDevice', 'no'],
    ['Description', ''],
    ['Accountcode', ''],
  ];
}

function endpoint(name: string, state: string): AmiFields {
  return [
    ['Event', 'EndpointList'],
    ['ObjectType', 'endpoint'],
    ['ObjectName', name],
    ['Transport', 'transport-udp'],
    ['Aor', name],
    ['Auths', name],
    ['OutboundAuths', ''],
    ['Contacts', state === 'Unavailable' ? '' : `${name}/sip:${name}@192.0.2.10:5060`],
    ['DeviceState', state],
    ['ActiveChannels', ''],
  ];
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
