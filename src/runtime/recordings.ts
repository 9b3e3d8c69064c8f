/**
 * Recording links are asked of the module each time one is played: providers hand out single-use or
 * expiring links, so a stored link would go dead. A link must point to one of the connection's own hosts:
 * call data comes from the provider's webhooks, and must not be able to send an agent's browser elsewhere.
 * A connector whose PBX wants credentials for its files (ARI) fetches the audio itself (`fetchRecording`),
 * and the hub streams it: the credentials stay in the hub.
 */
import type { ConnectorDefinition, RecordingAudio, SettingsValues } from '../contract/index.js';
import type { Connection } from '../storage/index.js';
import { openSettings } from './connection-settings.js';
import { connectorOf, getConnection, runnerFor } from './connections.js';
import { HubError } from './errors.js';
import type { HubContext } from './hub-context.js';

/** A call's recording: audio the connector fetched, for the hub to stream, or a link to redirect to. */
export type Recording = { kind: 'audio'; audio: RecordingAudio } | { kind: 'link'; url: string };

export async function recording(hub: HubContext, callId: string): Promise<Recording> {
  const { connection, callData } = await recordedCall(hub, callId);
  const audio = await runnerFor(hub, connection).fetchRecording(callData);
  if (audio) return { kind: 'audio', audio };
  return { kind: 'link', url: await checkedLink(hub, connection, callData) };
}

async function recordedCall(hub: HubContext, callId: string) {
  const details = await hub.store.calls.get(callId);
  if (!details) throw new HubError('not_found', `There is no call ${callId}`);
  const { call } = details;
  if (call.has_recording !== 1 || call.call_data === null) {
    throw new HubError('not_found', 'This call has no recording: the PBX did not report one');
  }
  return { connection: await getConnection(hub, call.connection_id), callData: JSON.parse(call.call_data) as unknown };
}

async function checkedLink(hub: HubContext, connection: Connection, callData: unknown): Promise<string> {
  const link = await runnerFor(hub, connection).getCallLink(callData);
  if (!/^https?:\/\//i.test(link) || !URL.canParse(link)) {
    throw new HubError('module_invalid_result', 'The module returned a recording link that is not an http(s) URL');
  }
  const definition = connectorOf(hub, connection);
  const settings = openSettings(JSON.parse(connection.settings) as Record<string, unknown>, hub.box);
  const hosts = [...allowedRecordingHosts(definition, settings), new URL(hub.publicUrl).hostname];
  const host = new URL(link).hostname;
  if (!hosts.some((allowed) => hostMatches(host, allowed))) {
    throw new HubError(
      'module_invalid_result',
      `The recording link points to ${host}, which is not a host of this connection (${hosts.join(', ')}): ` +
        'check the connection settings',
    );
  }
  return link;
}

/** The connector's declared hosts, or the hosts of its URL settings. */
export function allowedRecordingHosts(definition: ConnectorDefinition, settings: SettingsValues): string[] {
  if (definition.recordingHosts) return definition.recordingHosts(settings);
  return definition.settings.flatMap((field) => {
    const value = settings[field.key] ?? field.default;
    if (field.type !== 'url' || typeof value !== 'string' || !URL.canParse(value)) return [];
    return [new URL(value).hostname];
  });
}

/** `allowed` is a host name, or `.domain` for the domain and its subdomains; case-insensitive. */
export function hostMatches(host: string, allowed: string): boolean {
  const h = host.toLowerCase();
  const a = allowed.toLowerCase();
  if (!a.startsWith('.')) return h === a;
  return h === a.slice(1) || h.endsWith(a);
}
