/**
 * Recording links are asked of the module each time one is played: providers hand out single-use or
 * expiring links, so a stored link would go dead.
 */
import { getConnection, runnerFor } from './connections.js';
import { HubError } from './errors.js';
import type { HubContext } from './hub-context.js';

export async function recordingLink(hub: HubContext, callId: string): Promise<string> {
  const details = await hub.store.calls.get(callId);
  if (!details) throw new HubError('not_found', `There is no call ${callId}`);
  const { call } = details;
  if (call.has_recording !== 1 || call.call_data === null) {
    throw new HubError('not_found', 'This call has no recording: the PBX did not report one');
  }
  const connection = await getConnection(hub, call.connection_id);
  const link = await runnerFor(hub, connection).getCallLink(JSON.parse(call.call_data));
  if (!/^https?:\/\//i.test(link)) {
    throw new HubError('module_invalid_result', 'The module returned a recording link that is not an http(s) URL');
  }
  return link;
}
