import { ConnectorError } from '../../contract/index.js';
import type { SettingsField, SettingsValues } from '../../contract/index.js';

/** API origins of the platforms speaking Zadarma's v1 API (`zadarma/user-api-v1`, `novofon/user-api-v1` Client.php). */
export const ZADARMA_PLATFORMS = {
  zadarma: 'https://api.zadarma.com',
  'zadarma-sandbox': 'https://api-sandbox.zadarma.com',
  novofon: 'https://api.novofon.ru',
  'novofon-sandbox': 'https://api-sandbox.novofon.ru',
} as const;

export type ZadarmaPlatform = keyof typeof ZADARMA_PLATFORMS;

/** Link lifetimes `/v1/pbx/record/request/` accepts, in seconds (PHP client `getPbxRecord`). */
export const RECORD_LIFETIME = { min: 180, max: 5_184_000, default: 1800 };

export const zadarmaSettings: SettingsField[] = [
  {
    key: 'apiKey',
    type: 'string',
    label: 'API key',
    required: true,
    help: 'Zadarma (or Novofon) cabinet → Settings → API and integrations: "Key".',
  },
  {
    key: 'apiSecret',
    type: 'string',
    label: 'API secret',
    required: true,
    secret: true,
    help: 'Same page: "Secret". It signs our requests and Zadarma signs its notifications with it.',
  },
  {
    key: 'platform',
    type: 'string',
    label: 'Platform',
    default: 'zadarma',
    options: [
      { value: 'zadarma', label: 'Zadarma (api.zadarma.com)' },
      { value: 'novofon', label: 'Novofon, API v1 (api.novofon.ru)' },
      { value: 'zadarma-sandbox', label: 'Zadarma sandbox' },
      { value: 'novofon-sandbox', label: 'Novofon sandbox' },
    ],
    help: 'Novofon accounts moved to "Novofon 2.0" use a different API and are not supported by this connector.',
  },
  {
    key: 'apiUrl',
    type: 'url',
    label: 'API address (overrides the platform)',
    help: 'Leave empty; set it only to point the connection at the Zadarma emulator.',
  },
  {
    key: 'timeZone',
    type: 'string',
    label: 'Time zone of the account',
    default: 'UTC+3',
    help:
      'Zadarma reports call times as wall-clock time of the account\'s time zone (cabinet → Settings), e.g. "UTC+3". ' +
      'Test connection compares it with what Zadarma reports.',
  },
  {
    key: 'recordingLinkLifetime',
    type: 'number',
    label: 'Recording link lifetime, seconds',
    default: RECORD_LIFETIME.default,
    help: `Each playback asks Zadarma for a fresh link valid this long (${RECORD_LIFETIME.min}…${RECORD_LIFETIME.max}).`,
  },
  {
    key: 'routeToOwner',
    type: 'boolean',
    label: "Send known callers to their owner's extension",
    default: false,
    help:
      "When a caller is one of Switchboard's contacts and the contact's owner has an extension here, Switchboard " +
      "answers NOTIFY_START with a redirect to it. The caller's name is shown on the phone either way.",
  },
  {
    key: 'acceptRawDigestSignature',
    type: 'boolean',
    label: 'Also accept signatures made of the raw HMAC digest',
    default: false,
    help:
      'Zadarma signs notifications as base64 of the hex HMAC-SHA1. Its TypeScript library checks base64 of the raw ' +
      'digest instead; turn this on only if a proxy or a white-label platform signs that way.',
  },
];

export interface ZadarmaSettings {
  apiKey: string;
  apiSecret: string;
  /** The API origin without a trailing slash; methods are `/v1/…/`. */
  apiUrl: string;
  /** Minutes east of UTC of the account's wall-clock time. */
  utcOffsetMinutes: number;
  timeZone: string;
  recordingLinkLifetime: number;
  acceptRawDigestSignature: boolean;
  routeToOwner: boolean;
}

/** Reads and checks the connection settings; a missing or broken value throws a ConnectorError the admin can act on. */
export function readZadarmaSettings(values: SettingsValues): ZadarmaSettings {
  const apiKey = text(values.apiKey);
  const apiSecret = text(values.apiSecret);
  if (!apiKey) throw new ConnectorError('auth', 'The API key is empty: copy it from the cabinet → Settings → API.');
  if (!apiSecret)
    throw new ConnectorError('auth', 'The API secret is empty: copy it from the cabinet → Settings → API.');
  const platform = text(values.platform) || 'zadarma';
  if (!(platform in ZADARMA_PLATFORMS)) {
    throw new ConnectorError(
      'rejected',
      `Unknown platform "${platform}": choose one of ${Object.keys(ZADARMA_PLATFORMS).join(', ')}.`,
    );
  }
  const rawUrl = text(values.apiUrl) || ZADARMA_PLATFORMS[platform as ZadarmaPlatform];
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ConnectorError('rejected', `The API address "${rawUrl}" is not a URL; the usual value is empty.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConnectorError('rejected', `The API address "${rawUrl}" must start with https://`);
  }
  const timeZone = text(values.timeZone) || 'UTC+3';
  const utcOffsetMinutes = parseUtcOffset(timeZone);
  if (utcOffsetMinutes === undefined) {
    throw new ConnectorError('rejected', `The time zone "${timeZone}" is not an offset such as UTC+3 or +05:30.`);
  }
  const lifetime =
    values.recordingLinkLifetime === undefined ? RECORD_LIFETIME.default : Number(values.recordingLinkLifetime);
  if (!Number.isInteger(lifetime) || lifetime < RECORD_LIFETIME.min || lifetime > RECORD_LIFETIME.max) {
    throw new ConnectorError(
      'rejected',
      `The recording link lifetime must be ${RECORD_LIFETIME.min}…${RECORD_LIFETIME.max} seconds, not ${String(values.recordingLinkLifetime)}.`,
    );
  }
  return {
    apiKey,
    apiSecret,
    apiUrl: url.href.replace(/\/+$/, ''),
    utcOffsetMinutes,
    timeZone,
    recordingLinkLifetime: lifetime,
    acceptRawDigestSignature: values.acceptRawDigestSignature === true || values.acceptRawDigestSignature === 'true',
    routeToOwner: values.routeToOwner === true || values.routeToOwner === 'true',
  };
}

/** "UTC+3", "GMT-04:30", "+05:30", "UTC" → minutes east of UTC; anything else → undefined. */
export function parseUtcOffset(zone: string): number | undefined {
  const trimmed = zone.trim().toUpperCase();
  if (trimmed === 'UTC' || trimmed === 'GMT' || trimmed === 'Z' || trimmed === 'UTC+0' || trimmed === 'UTC0') return 0;
  const match = /^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(trimmed);
  if (!match) return undefined;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? 0);
  if (hours > 14 || minutes > 59) return undefined;
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function text(value: string | number | boolean | undefined): string {
  return value === undefined ? '' : String(value).trim();
}

/** Recording links are served by the API host itself (`/v1/pbx/record/download/…`, §2 "recording link"). */
export function zadarmaRecordingHosts(values: SettingsValues): string[] {
  try {
    return [new URL(readZadarmaSettings(values).apiUrl).hostname];
  } catch {
    return [];
  }
}
