/** The fake connector's settings form and their checking. */
import { ConnectorError, type SettingsField, type SettingsValues, type VoipMember } from '../../contract/index.js';
import type { FakeSettings } from './fake-types.js';

export const fakeSettingsFields: SettingsField[] = [
  {
    key: 'secret',
    type: 'string',
    label: 'Webhook secret',
    required: true,
    secret: true,
    help: 'The fake PBX signs each webhook: X-Fake-Signature is the hex HMAC-SHA256 of the body with this secret.',
  },
  {
    key: 'apiUrl',
    type: 'url',
    label: 'API URL',
    help: 'Base URL of a fake PBX API (the fake emulator). Leave empty to take members from the setting below.',
  },
  {
    key: 'members',
    type: 'string',
    label: 'Members',
    help: 'Used without an API URL: extensions and names, e.g. "101:Anna,102:Boris".',
  },
  {
    key: 'recordingHosts',
    type: 'string',
    label: 'Recording hosts',
    help: 'Hosts the recording links in webhooks may point to, comma-separated (".example.com" takes its subdomains too). The API URL\'s host is always allowed.',
  },
  {
    key: 'failTest',
    type: 'string',
    label: 'Fail the connection test with',
    help: 'For trying the admin UI: when set, Test connection fails with this text as the reason.',
  },
];

function text(values: SettingsValues, key: string): string {
  const value = values[key];
  return value === undefined ? '' : String(value).trim();
}

/**
 * Reads "101:Anna,102:Boris"; a bare "103" is a member labelled with its extension.
 * @example parseMembers('101:Anna, 102:Boris') // [{ id: '101', label: 'Anna' }, { id: '102', label: 'Boris' }]
 */
export function parseMembers(value: string): VoipMember[] {
  const members: VoipMember[] = [];
  for (const entry of value.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    const id = (colon === -1 ? entry : entry.slice(0, colon)).trim();
    const label = colon === -1 ? id : entry.slice(colon + 1).trim();
    if (id === '' || /\s/.test(id)) {
      throw new ConnectorError(
        'rejected',
        `The Members setting has an entry '${entry}' without a usable extension: write it as "101:Anna,102:Boris"`,
      );
    }
    if (members.some((member) => member.id === id)) {
      throw new ConnectorError('rejected', `The Members setting lists extension ${id} twice: keep one`);
    }
    members.push({ id, label: label || id });
  }
  return members;
}

/** Checks the stored values; a problem is a `ConnectorError` naming the setting to fix. */
export function readFakeSettings(values: SettingsValues): FakeSettings {
  const secret = text(values, 'secret');
  if (secret === '') {
    throw new ConnectorError('rejected', 'The Webhook secret setting is empty: set it to the secret the fake PBX uses');
  }
  const settings: FakeSettings = { secret, members: parseMembers(text(values, 'members')) };
  const apiUrl = text(values, 'apiUrl');
  if (apiUrl !== '') {
    if (!/^https?:\/\//.test(apiUrl) || !URL.canParse(apiUrl)) {
      throw new ConnectorError('rejected', `The API URL '${apiUrl}' is not an http(s) URL: fix it or leave it empty`);
    }
    settings.apiUrl = apiUrl.replace(/\/+$/, '');
  }
  const failTest = text(values, 'failTest');
  if (failTest !== '') settings.failTest = failTest;
  return settings;
}

/** The recording hosts setting, plus the API URL's host. */
export function fakeRecordingHosts(values: SettingsValues): string[] {
  const hosts = text(values, 'recordingHosts')
    .split(',')
    .map((host) => host.trim())
    .filter((host) => host !== '');
  const apiUrl = text(values, 'apiUrl');
  return URL.canParse(apiUrl) ? [...hosts, new URL(apiUrl).hostname] : hosts;
}
