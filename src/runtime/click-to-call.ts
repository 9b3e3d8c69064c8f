/**
 * Click-to-call: the PBX rings the agent's own phone first, then the client. The agent's extension on
 * the connection is `srcPhone`, the normalised client number `dstPhone`. The request is stored so the
 * PBX's call that follows can be linked to it.
 */
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
