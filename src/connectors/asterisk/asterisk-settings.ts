import { ConnectorError } from '../../contract/index.js';
import type { SettingsField, SettingsValues } from '../../contract/index.js';

export const AMI_DEFAULT_PORT = 5038;
export const ARI_DEFAULT_PORT = 8088;

export const asteriskSettings: SettingsField[] = [
  {
    key: 'mode',
    type: 'string',
    label: 'Interface',
    default: 'ami',
    options: [
      { value: 'ami', label: 'AMI (Manager Interface, TCP)' },
      { value: 'ari', label: 'ARI (REST Interface, HTTP and WebSocket)' },
    ],
    help: 'AMI: a user in manager.conf. ARI: a user in ari.conf, with http.conf enabled.',
  },
  {
    key: 'host',
    type: 'string',
    label: 'Asterisk address',
    required: true,
    help: 'Host name or IP address of the Asterisk server, as the hub reaches it.',
  },
  {
    key: 'port',
    type: 'number',
    label: 'Port',
    help: 'AMI: "port" in manager.conf (5038 when empty). ARI: "bindport" in http.conf (8088 when empty).',
  },
  {
    key: 'user',
    type: 'string',
    label: 'User',
    required: true,
    help: 'The [section] name of the user in manager.conf (AMI) or ari.conf (ARI).',
  },
  {
    key: 'secret',
    type: 'string',
    label: 'Secret',
    required: true,
    secret: true,
    help: 'AMI: the "secret" (sent as an MD5 challenge answer, never in clear). ARI: the "password".',
  },
  {
    key: 'technology',
    type: 'string',
    label: 'Channel technology',
    default: 'PJSIP',
    options: [
      { value: 'PJSIP', label: 'PJSIP (chan_pjsip)' },
      { value: 'SIP', label: 'SIP (chan_sip)' },
    ],
    help: "The agents' phones: their channels are <technology>/<extension>-…",
  },
  {
    key: 'context',
    type: 'string',
    label: 'Outgoing context',
    default: 'from-internal',
    help: 'The dialplan context click-to-call dials the client in, once the agent picks up.',
  },
  {
    key: 'recordUrlTemplate',
    type: 'string',
    label: 'Recording URL template',
    help:
      'Where the PBX serves MixMonitor files, e.g. https://pbx.example/monitor/{year}/{month}/{day}/{uniqueid}.wav. ' +
      'Placeholders: {uniqueid} (the recorded channel), {linkedid} (the call), {year} {month} {day} (UTC). ' +
      'Empty: calls carry no recording.',
  },
  {
    key: 'ariApp',
    type: 'string',
    label: 'ARI application name',
    default: 'switchboard',
    help: 'ARI only: the Stasis application the hub registers; it subscribes to all channels, so no dialplan change is needed.',
  },
];

export type AsteriskTechnology = 'PJSIP' | 'SIP';

export type AsteriskMode = 'ami' | 'ari';

export interface AsteriskSettings {
  mode: AsteriskMode;
  host: string;
  port: number;
  user: string;
  secret: string;
  technology: AsteriskTechnology;
  context: string;
  recordUrlTemplate: string;
  ariApp: string;
}

/** Reads and checks the settings; a missing or broken value throws a ConnectorError saying what to fix. */
export function readAsteriskSettings(values: SettingsValues): AsteriskSettings {
  const host = text(values.host);
  const user = text(values.user);
  const secret = text(values.secret);
  if (!host) throw new ConnectorError('rejected', 'The Asterisk address is empty: give its host name or IP address.');
  if (!user)
    throw new ConnectorError('auth', 'The user is empty: give the [section] name from manager.conf or ari.conf.');
  if (!secret)
    throw new ConnectorError(
      'auth',
      'The secret is empty: give the "secret" from manager.conf (or ari.conf\'s "password").',
    );
  const mode = text(values.mode).toLowerCase() || 'ami';
  if (mode !== 'ami' && mode !== 'ari') {
    throw new ConnectorError('rejected', `The interface must be ami or ari, not "${mode}".`);
  }
  const fallback = mode === 'ami' ? AMI_DEFAULT_PORT : ARI_DEFAULT_PORT;
  const rawPort = values.port === undefined || values.port === '' ? fallback : Number(values.port);
  if (!Number.isInteger(rawPort) || rawPort < 1 || rawPort > 65535) {
    throw new ConnectorError(
      'rejected',
      `The port "${String(values.port)}" is not a port number (${fallback} by default).`,
    );
  }
  const ariApp = text(values.ariApp) || 'switchboard';
  if (!/^[\w.-]+$/.test(ariApp)) {
    throw new ConnectorError(
      'rejected',
      `The ARI application name "${ariApp}" may hold letters, digits, ".", "-" and "_" only.`,
    );
  }
  const technology = text(values.technology).toUpperCase() || 'PJSIP';
  if (technology !== 'PJSIP' && technology !== 'SIP') {
    throw new ConnectorError('rejected', `The channel technology must be PJSIP or SIP, not "${technology}".`);
  }
  const recordUrlTemplate = text(values.recordUrlTemplate);
  if (recordUrlTemplate && !/^https?:\/\//i.test(recordUrlTemplate)) {
    throw new ConnectorError(
      'rejected',
      `The recording URL template must start with http:// or https://, not "${recordUrlTemplate}".`,
    );
  }
  return {
    mode,
    host,
    port: rawPort,
    user,
    secret,
    technology,
    context: text(values.context) || 'from-internal',
    recordUrlTemplate,
    ariApp,
  };
}

function text(value: string | number | boolean | undefined): string {
  return value === undefined ? '' : String(value).trim();
}
