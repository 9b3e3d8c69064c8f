import { ConnectorError } from '../../contract/index.js';
import type { SettingsField, SettingsValues } from '../../contract/index.js';

export const AMI_DEFAULT_PORT = 5038;

export const asteriskSettings: SettingsField[] = [
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
    label: 'AMI port',
    default: AMI_DEFAULT_PORT,
    help: 'The Manager Interface port: "port" in the [general] section of manager.conf (5038 by default).',
  },
  {
    key: 'user',
    type: 'string',
    label: 'AMI user',
    required: true,
    help: 'The [section] name of the user in manager.conf.',
  },
  {
    key: 'secret',
    type: 'string',
    label: 'AMI secret',
    required: true,
    secret: true,
    help: 'The "secret" of that user. It never crosses the network: the hub logs in with an MD5 challenge.',
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
];

export type AsteriskTechnology = 'PJSIP' | 'SIP';

export interface AsteriskSettings {
  host: string;
  port: number;
  user: string;
  secret: string;
  technology: AsteriskTechnology;
  context: string;
  recordUrlTemplate: string;
}

/** Reads and checks the settings; a missing or broken value throws a ConnectorError saying what to fix. */
export function readAsteriskSettings(values: SettingsValues): AsteriskSettings {
  const host = text(values.host);
  const user = text(values.user);
  const secret = text(values.secret);
  if (!host) throw new ConnectorError('rejected', 'The Asterisk address is empty: give its host name or IP address.');
  if (!user) throw new ConnectorError('auth', 'The AMI user is empty: give the [section] name from manager.conf.');
  if (!secret) throw new ConnectorError('auth', 'The AMI secret is empty: give the "secret" from manager.conf.');
  const rawPort = values.port === undefined || values.port === '' ? AMI_DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(rawPort) || rawPort < 1 || rawPort > 65535) {
    throw new ConnectorError(
      'rejected',
      `The AMI port "${String(values.port)}" is not a port number (5038 by default).`,
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
    host,
    port: rawPort,
    user,
    secret,
    technology,
    context: text(values.context) || 'from-internal',
    recordUrlTemplate,
  };
}

function text(value: string | number | boolean | undefined): string {
  return value === undefined ? '' : String(value).trim();
}
