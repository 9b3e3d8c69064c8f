import { ConnectorError } from '../../contract/index.js';
import type { SettingsField, SettingsValues } from '../../contract/index.js';

export const kamailioSettings: SettingsField[] = [
  {
    key: 'controlUrl',
    type: 'url',
    label: 'Control API URL',
    required: true,
    default: 'http://127.0.0.1:15080',
    help: "Kamailio's HTTP address; `switchboard pbx kamailio` listens on this host and port (SIP on the same host).",
  },
  {
    key: 'secret',
    type: 'string',
    label: 'Shared secret',
    required: true,
    secret: true,
    help: 'Any long random text (letters and digits). Kamailio sends it with every event and Switchboard with every control request.',
  },
  {
    key: 'sipPort',
    type: 'number',
    label: 'SIP port',
    default: 15060,
    help: "Where softphones register (UDP and TCP), on the control API's host.",
  },
  {
    key: 'extensions',
    type: 'string',
    label: 'Extensions and SIP passwords',
    secret: true,
    help: 'As "1001=password, 1002=password"; `switchboard pbx kamailio` loads them into Kamailio at start.',
  },
  {
    key: 'recordingsUrl',
    type: 'url',
    label: 'Recordings URL',
    help: 'Set it to record calls: `switchboard pbx kamailio` then runs rtpengine and serves the recordings as WAV here (e.g. http://127.0.0.1:15081).',
  },
];

export interface KamailioSettings {
  /** Without a trailing slash. */
  controlUrl: string;
  secret: string;
  sipPort: number;
  extensions: Record<string, string>;
  recordingsUrl?: string;
}

export function readKamailioSettings(values: SettingsValues): KamailioSettings {
  const secret = text(values.secret);
  if (!/^[A-Za-z0-9._~-]{8,200}$/.test(secret)) {
    throw new ConnectorError(
      'auth',
      'The shared secret must be 8 to 200 letters, digits or ._~- : set one in the connection settings and restart `switchboard pbx kamailio`.',
    );
  }
  const controlUrl = httpUrl(text(values.controlUrl) || 'http://127.0.0.1:15080', 'control API URL');
  const recordings = text(values.recordingsUrl);
  const sipPort = Number(values.sipPort ?? 15060);
  if (!Number.isInteger(sipPort) || sipPort < 1 || sipPort > 65535) {
    throw new ConnectorError('rejected', `The SIP port ${String(values.sipPort)} is not a port number (1-65535).`);
  }
  return {
    controlUrl,
    secret,
    sipPort,
    extensions: parseExtensions(text(values.extensions)),
    ...(recordings ? { recordingsUrl: httpUrl(recordings, 'recordings URL') } : {}),
  };
}

/** "1001=pw, 1002=pw" → { '1001': 'pw', '1002': 'pw' } */
export function parseExtensions(list: string): Record<string, string> {
  const extensions: Record<string, string> = {};
  for (const item of list.split(/[,\n]/)) {
    if (!item.trim()) continue;
    const match = /^\s*(\d{1,10})\s*[=:]\s*([^\s"!\\]+)\s*$/.exec(item);
    if (!match) {
      throw new ConnectorError(
        'rejected',
        `"${item.trim().replace(/[=:].*/, '=…')}" is not "extension=password" (digits, then a password without spaces, quotes, ! or \\).`,
      );
    }
    extensions[match[1] as string] = match[2] as string;
  }
  return extensions;
}

function httpUrl(raw: string, what: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConnectorError('rejected', `The ${what} "${raw}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConnectorError('rejected', `The ${what} "${raw}" must start with http://`);
  }
  return url.href.replace(/\/+$/, '');
}

function text(value: string | number | boolean | undefined): string {
  return value === undefined ? '' : String(value).trim();
}

/** Recordings come from the recordings URL's host (served by `switchboard pbx kamailio`). */
export function kamailioRecordingHosts(values: SettingsValues): string[] {
  const hosts: string[] = [];
  for (const key of ['recordingsUrl', 'controlUrl'] as const) {
    const raw = text(values[key]);
    if (raw && URL.canParse(raw)) hosts.push(new URL(raw).hostname);
  }
  return hosts;
}
