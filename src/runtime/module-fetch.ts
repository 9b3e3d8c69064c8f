/**
 * The `fetch` a connector gets: bound to the call's abort signal, and with network failures turned into
 * `ConnectorError`s that say which provider did not answer and why. Node's own error is "fetch failed"
 * with the reason buried in `cause`; a connector that shows `e.message` to the admin should say more.
 */
import { ConnectorError } from '../contract/index.js';

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  UND_ERR_SOCKET: 'the connection was closed unexpectedly',
  ENOTFOUND: 'its host name was not found in DNS',
  EAI_AGAIN: 'DNS lookup failed; try again later',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

/**
 * Why a `fetch` call failed, in words, or `undefined` when `error` is not a network failure from `fetch`.
 * @example describeFetchFailure(err) // 'connection refused'
 */
export function describeFetchFailure(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || error.message !== 'fetch failed') return undefined;
  const cause = error.cause as { code?: unknown; message?: unknown; errors?: Array<{ code?: unknown }> } | undefined;
  // With several addresses (IPv6 and IPv4 for localhost) Node reports an AggregateError.
  const code = String(cause?.code ?? cause?.errors?.[0]?.code ?? '');
  if (REASONS[code]) return REASONS[code];
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) return `its TLS certificate was not accepted (${code})`;
  return typeof cause?.message === 'string' && cause.message !== '' ? cause.message : 'the request failed';
}

/**
 * Wraps `base` so every request also stops when `signal` aborts, and network failures become
 * `ConnectorError('unreachable', 'The provider at https://host did not answer: connection refused')`.
 * An aborted request rejects with the abort reason as before.
 */
export function bindFetch(base: typeof globalThis.fetch, signal: AbortSignal): typeof globalThis.fetch {
  return async (input, init) => {
    const own = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const combined = own ? AbortSignal.any([own, signal]) : signal;
    const href = input instanceof Request ? input.url : String(input);
    if (!URL.canParse(href)) {
      throw new ConnectorError(
        'unreachable',
        `The provider URL '${href}' is not a valid URL: check the connection settings`,
      );
    }
    try {
      return await base(input, { ...init, signal: combined });
    } catch (error) {
      const reason = combined.aborted ? undefined : describeFetchFailure(error);
      if (reason === undefined) throw error;
      const failure = new ConnectorError(
        'unreachable',
        `The provider at ${new URL(href).origin} did not answer: ${reason}`,
      );
      failure.cause = error;
      throw failure;
    }
  };
}
