/**
 * Click-to-call: the PBX rings the agent's own phone first, then the client. The agent's extension on
 * the connection is `srcPhone`, the normalised client number `dstPhone`. The request is stored so the
 * PBX's call that follows can be linked to it.
 */
import type { VoipGenerateCallResult } from '../contract/index.js';
import type { Binding, Connection, Origination, User } from '../storage/index.js';
import { runnerFor } from './connections.js';
import { HubError, toHubError } from './errors.js';
import { isoNow, type HubContext } from './hub-context.js';
import { normalizePhone } from './phone.js';

export async function originate(
  hub: HubContext,
  user: Pick<User, 'id' | 'name'>,
  to: string,
  connectionId?: string,
): Promise<Origination> {
  if (typeof to !== 'string' || !/\d/.test(to)) {
    throw new HubError('validation', 'Give the number to call', { field: 'to' });
  }
  const bindings = await hub.store.connections.bindingsForUser(user.id);
  const candidates = connectionId ? bindings.filter((binding) => binding.connection_id === connectionId) : bindings;
  let found: { binding: Binding; connection: Connection } | undefined;
  for (const binding of candidates) {
    const connection = await hub.store.connections.get(binding.connection_id);
    if (connection?.enabled === 1) {
      found = { binding, connection };
      break;
    }
  }
  if (!found) {
    throw new HubError(
      'no_extension',
      connectionId
        ? `${user.name} has no extension on this connection: an admin binds one under Telephony → Configure`
        : `${user.name} has no extension on an enabled connection: an admin binds one under Telephony → Configure`,
    );
  }
  const { binding, connection } = found;
  const dst = normalizePhone(to, connection.default_country);
  const origination = await hub.store.originations.create({
    connection_id: connection.id,
    user_id: user.id,
    src_phone: binding.extension,
    dst_phone: dst,
    created_at: isoNow(hub),
  });
  try {
    await runnerFor(hub, connection).generateCall(binding.extension, dst);
  } catch (error) {
    const hubError = toHubError(error);
    await hub.store.originations.setStatus(origination.id, 'failed', hubError.message);
    throw hubError;
  }
  await hub.store.originations.setStatus(origination.id, 'accepted');
  return { ...origination, status: 'accepted' };
}

/** How long after a request the PBX's answer to it may come. */
const RESULT_WINDOW_MS = 10 * 60_000;

/**
 * The PBX's later answer to a click-to-call request (Mango's /result/callback, for one): a refusal marks
 * the newest matching request failed with the reason, which the agent's dial panel shows; an acceptance
 * changes nothing, as the call that follows links the request. Returns the request, when one matched.
 */
export async function applyGenerateCallResult(
  hub: HubContext,
  connection: Connection,
  result: VoipGenerateCallResult,
): Promise<Origination | undefined> {
  const since = new Date(Date.parse(isoNow(hub)) - RESULT_WINDOW_MS).toISOString();
  const origination = await hub.store.originations.findUnlinked({
    connectionId: connection.id,
    srcPhone: result.srcPhone,
    dstPhone: result.dstPhone,
    since,
  });
  if (!origination) {
    hub.log.info({ connectionId: connection.id, ...result }, 'a click-to-call result matched no recent request');
    return undefined;
  }
  if (result.success) return origination;
  const reason = result.failReason ?? 'The PBX did not place the call.';
  await hub.store.originations.setStatus(origination.id, 'failed', reason);
  return { ...origination, status: 'failed', error: reason };
}

/** One click-to-call request as its agent (or an admin) may read it. */
export interface OriginationView {
  originationId: string;
  status: Origination['status'];
  error: string | null;
  callId: string | null;
  to: string;
  createdAt: string;
}

export async function originationFor(
  hub: HubContext,
  user: Pick<User, 'id' | 'role'>,
  id: string,
): Promise<OriginationView> {
  const origination = await hub.store.originations.get(id);
  if (!origination || (user.role !== 'admin' && origination.user_id !== user.id)) {
    throw new HubError('not_found', `There is no click-to-call request ${id}`);
  }
  return {
    originationId: origination.id,
    status: origination.status,
    error: origination.error,
    callId: origination.call_id,
    to: origination.dst_phone,
    createdAt: origination.created_at,
  };
}
