/**
 * ARI (Asterisk REST Interface, docs.asterisk.org → Asterisk_REST_Interface): REST calls over HTTP with
 * Basic auth (users in ari.conf), and the event WebSocket `/ari/events?app=<name>&subscribeAll=true`,
 * which reports every channel's events (not only those in the Stasis application) as JSON messages.
 */
import { ConnectorError, type RecordingAudio } from '../../contract/index.js';
import WebSocket from 'ws';
import type { AsteriskSettings } from './asterisk-settings.js';

type AriSettings = Pick<AsteriskSettings, 'host' | 'port' | 'user' | 'secret' | 'ariApp'>;

export function ariBase(settings: AriSettings): string {
  return `http://${settings.host}:${settings.port}/ari`;
}

function authorization(settings: AriSettings): string {
  return `Basic ${Buffer.from(`${settings.user}:${settings.secret}`).toString('base64')}`;
}

/** One REST call; answers are JSON. Errors say what to check in ari.conf and http.conf. */
export async function ariRequest<T>(
  fetch: typeof globalThis.fetch,
  settings: AriSettings,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: { query?: Record<string, string>; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const url = new URL(`${ariBase(settings)}${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const response = await fetch(url, {
    method,
    headers: {
      authorization: authorization(settings),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  if (response.status === 401) {
    throw new ConnectorError(
      'auth',
      `Asterisk refused the ARI user "${settings.user}": check the user and its password in ari.conf.`,
    );
  }
  if (!response.ok) {
    const message = safeMessage(text);
    throw new ConnectorError(
      response.status === 404 ? 'rejected' : 'bad_response',
      `ARI ${method} ${path} answered ${response.status}${message ? `: ${message}` : ''}. ` +
        (response.status === 404 && path === '/asterisk/info'
          ? 'Is ARI enabled (ari.conf "enabled = yes", http.conf "enabled = yes")?'
          : ''),
    );
  }
  try {
    return (text ? JSON.parse(text) : undefined) as T;
  } catch {
    throw new ConnectorError('bad_response', `ARI ${method} ${path} did not answer JSON: is ${ariBase(settings)} ARI?`);
  }
}

/**
 * A stored recording's file (Recordings_REST_API, "getStoredFile"): Asterisk answers the whole file, typed
 * by its format (audio/wav), and 404 when no recording has the name.
 */
export async function fetchStoredRecording(
  fetch: typeof globalThis.fetch,
  settings: AriSettings,
  name: string,
): Promise<RecordingAudio> {
  const response = await fetch(`${ariBase(settings)}/recordings/stored/${encodeURIComponent(name)}/file`, {
    headers: { authorization: authorization(settings) },
  });
  if (response.ok && response.body) {
    const length = Number(response.headers.get('content-length') ?? '');
    return {
      contentType: response.headers.get('content-type') || 'application/octet-stream',
      ...(response.headers.has('content-length') && Number.isSafeInteger(length) && length >= 0
        ? { contentLength: length }
        : {}),
      body: response.body,
    };
  }
  const text = await response.text();
  if (response.status === 401) {
    throw new ConnectorError(
      'auth',
      `Asterisk refused the ARI user "${settings.user}": check its password in ari.conf.`,
    );
  }
  if (response.status === 404) {
    throw new ConnectorError(
      'rejected',
      `Asterisk has no stored recording "${name}": it was deleted or moved from its recordings folder.`,
    );
  }
  const message = safeMessage(text);
  throw new ConnectorError(
    'bad_response',
    `ARI answered ${response.status} for the recording "${name}"${message ? `: ${message}` : ''}.`,
  );
}

export interface AriEvents {
  closed: Promise<string>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the event WebSocket; resolves once Asterisk accepted it. Messages go to `onMessage` as received. */
export function openAriEvents(
  settings: AriSettings,
  signal: AbortSignal,
  onMessage: (text: string) => void,
): Promise<AriEvents> {
  const url = `ws://${settings.host}:${settings.port}/ari/events?app=${encodeURIComponent(settings.ariApp)}&subscribeAll=true`;
  const socket = new WebSocket(url, { headers: { authorization: authorization(settings) }, handshakeTimeout: 10_000 });
  let reason = 'the ARI WebSocket closed';
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(reason)));
  const onAbort = () => socket.terminate();
  signal.addEventListener('abort', onAbort, { once: true });
  void closed.then(() => signal.removeEventListener('abort', onAbort));
  socket.on('message', (data: WebSocket.RawData) => onMessage(data.toString()));
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      reason = `Asterisk refused the event WebSocket (HTTP ${status})`;
      reject(
        status === 401
          ? new ConnectorError('auth', `Asterisk refused the ARI user "${settings.user}": check ari.conf.`)
          : new ConnectorError('rejected', `${reason}: check the ARI application name and that ARI is enabled.`),
      );
      socket.terminate();
    });
    socket.once('error', (error) => {
      reason = `the ARI WebSocket failed: ${error.message}`;
      reject(
        new ConnectorError('unreachable', `Cannot reach ARI at ${settings.host}:${settings.port}: ${error.message}`),
      );
    });
    socket.once('open', () =>
      resolve({
        closed,
        ping: () =>
          new Promise<void>((done, fail) => {
            if (socket.readyState !== WebSocket.OPEN) return fail(new Error('the WebSocket is not open'));
            socket.once('pong', () => done());
            socket.ping();
          }),
        async close() {
          if (socket.readyState === WebSocket.CLOSED) return;
          reason = 'the hub closed the connection';
          socket.close(1000);
          await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
          socket.terminate();
        },
      }),
    );
  });
}

function safeMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    return String(body.message ?? body.error ?? '').slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
