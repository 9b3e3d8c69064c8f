import { isIP } from 'node:net';
import { ConnectorError } from '../../contract/index.js';
import type { SettingsField, SettingsValues } from '../../contract/index.js';

export const MANGO_DEFAULT_API_URL = 'https://app.mango-office.ru/vpbx/';

/** The addresses Mango sends notifications from (VPBX API v1.9 §3.1.1). */
export const MANGO_NOTIFICATION_IPS = ['81.88.80.132', '81.88.80.133', '81.88.82.36', '81.88.82.44', '81.88.82.45'];

export const mangoOfficeSettings: SettingsField[] = [
  {
    key: 'apiKey',
    type: 'string',
    label: 'Unique PBX code (vpbx_api_key)',
    required: true,
    help: 'Mango Office cabinet → Integrations → API connector: "Уникальный код вашей АТС".',
  },
  {
    key: 'apiSalt',
    type: 'string',
    label: 'Signature key (vpbx_api_salt)',
    required: true,
    secret: true,
    help: 'Same page: "Ключ для создания подписи". It signs every request in both directions and is never sent.',
  },
  {
    key: 'apiUrl',
    type: 'url',
    label: 'API address',
    default: MANGO_DEFAULT_API_URL,
    help: 'Change it only to point the connection at the Mango emulator.',
  },
  {
    key: 'allowedIps',
    type: 'string',
    label: 'Accept notifications only from these IP addresses',
    help:
      `Comma-separated; empty accepts any address. Mango sends from ${MANGO_NOTIFICATION_IPS.join(', ')}. ` +
      'The address is read from X-Real-IP or X-Forwarded-For, so use it behind a proxy that sets them.',
  },
];

export interface MangoSettings {
  apiKey: string;
  apiSalt: string;
  /** Always ends with `/`, so `new URL('account/balance', apiUrl)` stays under it. */
  apiUrl: string;
  allowedIps: string[];
}

/** Reads and checks the connection settings; a missing or broken value throws a ConnectorError the admin can act on. */
export function readMangoSettings(values: SettingsValues): MangoSettings {
  const apiKey = text(values.apiKey);
  const apiSalt = text(values.apiSalt);
  if (!apiKey) {
    throw new ConnectorError(
      'auth',
      'The unique PBX code (vpbx_api_key) is empty: copy it from Mango Office → Integrations → API connector.',
    );
  }
  if (!apiSalt) {
    throw new ConnectorError(
      'auth',
      'The signature key (vpbx_api_salt) is empty: copy it from Mango Office → Integrations → API connector.',
    );
  }
  const rawUrl = text(values.apiUrl) || MANGO_DEFAULT_API_URL;
  let apiUrl: URL;
  try {
    apiUrl = new URL(rawUrl.endsWith('/') ? rawUrl : `${rawUrl}/`);
  } catch {
    throw new ConnectorError(
      'rejected',
      `The API address "${rawUrl}" is not a URL; the usual value is ${MANGO_DEFAULT_API_URL}`,
    );
  }
  if (apiUrl.protocol !== 'https:' && apiUrl.protocol !== 'http:') {
    throw new ConnectorError('rejected', `The API address "${rawUrl}" must start with https://`);
  }
  const allowedIps = text(values.allowedIps)
    .split(/[\s,;]+/)
    .filter(Boolean);
  const bad = allowedIps.find((ip) => isIP(ip) === 0);
  if (bad) throw new ConnectorError('rejected', `"${bad}" in the allowed IP addresses is not an IP address.`);
  return { apiKey, apiSalt, apiUrl: apiUrl.href, allowedIps };
}

function text(value: string | number | boolean | undefined): string {
  return value === undefined ? '' : String(value).trim();
}

/** Mango's recording links point to files.mango-office.ru (the /queries/recording/post example), or to the emulator. */
export function mangoRecordingHosts(values: SettingsValues): string[] {
  const apiUrl = String(values.apiUrl ?? MANGO_DEFAULT_API_URL);
  return URL.canParse(apiUrl) ? [new URL(apiUrl).hostname, '.mango-office.ru'] : ['.mango-office.ru'];
}
