/**
 * A small AMI client over TCP: greeting, MD5 challenge login, actions correlated by ActionID, event
 * lists (`EventList: start` … `<Name>Complete`), and the other events for whoever listens.
 * Errors are ConnectorErrors that say what to check in manager.conf.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import { ConnectorError } from '../../contract/index.js';
import { AmiFramer, formatAmiAction, parseAmiMessage, type AmiMessage } from './asterisk-ami-protocol.js';
import type { AsteriskSettings } from './asterisk-settings.js';

export interface AmiOptions {
  settings: Pick<AsteriskSettings, 'host' | 'port' | 'user' | 'secret'>;
  signal: AbortSignal;
  /** The login's `Events` mask: `off` for one-off actions, e.g. `call,cdr` for the event stream. */
  events: string;
  /** For connecting, the greeting, login and each action; default 10 s. */
  timeoutMs?: number;
}

export type AmiFields = ReadonlyArray<readonly [string, string]>;

export interface AmiClient {
  /** Sends an action and resolves with its response (`Response: Success` or `Error`, as sent). */
  action(fields: AmiFields): Promise<AmiMessage>;
  /** An action answered by an event list; resolves with its events once `<complete>` arrives. */
  list(fields: AmiFields, complete: string): Promise<AmiMessage[]>;
  /** The same, with each event's text as received (for the inbox). */
  listRaw(fields: AmiFields, complete: string): Promise<Array<{ raw: string; message: AmiMessage }>>;
  /** Events not answering an action of this client, raw and parsed, in arrival order. */
  onEvent(listener: (raw: string, message: AmiMessage) => void): void;
  /** Resolves with the reason when the connection ends. */
  closed: Promise<string>;
  /** Logs off (briefly waiting for Goodbye) and closes. */
  close(): Promise<void>;
}

interface Pending {
  resolve(message: AmiMessage): void;
  reject(error: Error): void;
  list?: { complete: string; events: Array<{ raw: string; message: AmiMessage }>; started: boolean };
}

export async function openAmi(options: AmiOptions): Promise<AmiClient> {
  const { host, port, user, secret } = options.settings;
  const where = `${host}:${port}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const socket = createConnection({ host, port });
  socket.setNoDelay(true);
  socket.setEncoding('utf8');
  const framer = new AmiFramer();
  const pending = new Map<string, Pending>();
  const listeners: Array<(raw: string, message: AmiMessage) => void> = [];
  const early: Array<[string, AmiMessage]> = [];
  let greeting: (text: string) => void = () => {};
  const greeted = new Promise<string>((resolve) => (greeting = resolve));
  let ended = false;
  let endReason = 'the connection to Asterisk closed';
  const closed = new Promise<string>((resolve) => {
    socket.once('close', () => {
      ended = true;
      for (const waiter of pending.values())
        waiter.reject(new ConnectorError('unreachable', `Asterisk at ${where}: ${endReason}`));
      pending.clear();
      resolve(endReason);
    });
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    endReason = describeSocketError(error, where);
  });
  const onAbort = () => socket.destroy();
  options.signal.addEventListener('abort', onAbort, { once: true });
  void closed.then(() => options.signal.removeEventListener('abort', onAbort));

  socket.on('data', (chunk: string) => {
    let frames: ReturnType<AmiFramer['push']>;
    try {
      frames = framer.push(chunk);
    } catch {
      endReason = 'Asterisk sent a message too long to be AMI';
      socket.destroy();
      return;
    }
    if (frames.greeting !== undefined) greeting(frames.greeting);
    for (const raw of frames.messages) dispatch(raw);
  });

  const dispatch = (raw: string) => {
    const message = parseAmiMessage(raw);
    if (!message) return;
    const waiter = message.actionid === undefined ? undefined : pending.get(message.actionid);
    if (waiter?.list) {
      if ('response' in message) {
        if (message.response.toLowerCase() !== 'success') {
          pending.delete(message.actionid!);
          waiter.resolve(message);
        } else waiter.list.started = true;
        return;
      }
      if (message.event?.toLowerCase() === waiter.list.complete.toLowerCase()) {
        pending.delete(message.actionid!);
        waiter.resolve(message);
        return;
      }
      if ('event' in message) {
        waiter.list.events.push({ raw, message });
        return;
      }
    }
    if (waiter && 'response' in message) {
      pending.delete(message.actionid!);
      waiter.resolve(message);
      return;
    }
    if ('event' in message) {
      if (listeners.length === 0) early.push([raw, message]);
      for (const listener of listeners) listener(raw, message);
    }
  };

  const send = (fields: AmiFields, list?: Pending['list']) => {
    if (ended) return Promise.reject(new ConnectorError('unreachable', `Asterisk at ${where}: ${endReason}`));
    const actionId = fields.find(([key]) => key.toLowerCase() === 'actionid')?.[1] ?? `sb-${randomUUID()}`;
    const name = fields.find(([key]) => key.toLowerCase() === 'action')?.[1] ?? 'action';
    return withTimeout(
      new Promise<AmiMessage>((resolve, reject) => {
        pending.set(actionId, { resolve, reject, ...(list ? { list } : {}) });
        const rest = fields.filter(([key]) => key.toLowerCase() !== 'actionid');
        socket.write(formatAmiAction([...rest, ['ActionID', actionId]]));
      }),
      timeoutMs,
      () => {
        pending.delete(actionId);
        return new ConnectorError(
          'unreachable',
          `Asterisk at ${where} did not answer the ${name} action within ${timeoutMs / 1000} s`,
        );
      },
    );
  };

  try {
    await withTimeout(
      Promise.race([
        new Promise<void>((resolve) => socket.once('connect', () => resolve())),
        closed.then((reason) =>
          Promise.reject(new ConnectorError('unreachable', `Cannot reach Asterisk at ${where}: ${reason}`)),
        ),
      ]),
      timeoutMs,
      () =>
        new ConnectorError(
          'unreachable',
          `Cannot reach Asterisk at ${where}: no answer within ${timeoutMs / 1000} s. Check the address, the port and the firewall.`,
        ),
    );
    const hello = await withTimeout(
      Promise.race([
        greeted,
        closed.then((reason) => Promise.reject(new ConnectorError('unreachable', `Asterisk at ${where}: ${reason}`))),
      ]),
      timeoutMs,
      () =>
        new ConnectorError('bad_response', `${where} sent no AMI greeting: is it the Manager Interface port (5038)?`),
    );
    if (!/^Asterisk Call Manager\//i.test(hello)) {
      throw new ConnectorError(
        'bad_response',
        `${where} is not an Asterisk Manager Interface: it greeted "${hello.slice(0, 60)}"`,
      );
    }
    const challenge = await send([
      ['Action', 'Challenge'],
      ['AuthType', 'MD5'],
    ]);
    if (challenge.response?.toLowerCase() !== 'success' || !challenge.challenge) {
      throw new ConnectorError(
        'bad_response',
        `Asterisk at ${where} refused the MD5 challenge: ${challenge.message ?? 'no reason given'}`,
      );
    }
    const key = createHash('md5')
      .update(challenge.challenge + secret)
      .digest('hex');
    const login = await send([
      ['Action', 'Login'],
      ['AuthType', 'MD5'],
      ['Username', user],
      ['Key', key],
      ['Events', options.events],
    ]);
    if (login.response?.toLowerCase() !== 'success') {
      throw new ConnectorError(
        'auth',
        `Asterisk refused the login of AMI user "${user}" (${login.message ?? 'no reason given'}): check the user and secret ` +
          'in manager.conf, and that its permit/deny lines allow this hub.',
      );
    }
  } catch (error) {
    socket.destroy();
    throw error;
  }

  const listRaw = async (fields: AmiFields, complete: string) => {
    const list: NonNullable<Pending['list']> = { complete, events: [], started: false };
    const last = await send(fields, list);
    if (!list.started && last.response?.toLowerCase() !== 'success') {
      throw new ConnectorError(
        'rejected',
        `Asterisk refused ${fields[0]?.[1] ?? 'the action'}: ${last.message ?? 'no reason given'}`,
      );
    }
    return list.events;
  };

  return {
    action: (fields) => send(fields),
    list: async (fields, complete) => (await listRaw(fields, complete)).map((event) => event.message),
    listRaw: (fields, complete) => listRaw(fields, complete),
    onEvent(listener) {
      listeners.push(listener);
      for (const [raw, message] of early.splice(0)) listener(raw, message);
    },
    closed,
    async close() {
      if (!ended) {
        endReason = 'the hub closed the connection';
        await withTimeout(send([['Action', 'Logoff']]), 1000, () => new Error('no Goodbye')).catch(() => undefined);
        socket.end();
        await withTimeout(closed, 1000, () => new Error('not closed')).catch(() => socket.destroy());
      }
    },
  };
}

function describeSocketError(error: NodeJS.ErrnoException, where: string): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `connection refused at ${where}: check the address and port, and that manager.conf has enabled = yes`;
    case 'ENOTFOUND':
      return `the host name of ${where} does not resolve`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return `${where} is unreachable: check the address and the firewall`;
    case 'ECONNRESET':
      return 'Asterisk reset the connection';
    default:
      return error.message;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(error()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
