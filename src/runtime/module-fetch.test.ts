import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../contract/index.js';
import { closedPort, listen } from '../testing/http-helpers.js';
import { bindFetch, describeFetchFailure } from './module-fetch.js';

describe('describeFetchFailure', () => {
  it.each([
    ['ECONNREFUSED', 'connection refused'],
    ['ENOTFOUND', 'its host name was not found in DNS'],
    ['CERT_HAS_EXPIRED', 'its TLS certificate was not accepted (CERT_HAS_EXPIRED)'],
  ])('words %s', (code, text) => {
    const error = new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code }) });
    expect(describeFetchFailure(error)).toBe(text);
  });

  it('leaves other errors alone', () => {
    expect(describeFetchFailure(new Error('fetch failed'))).toBeUndefined();
    expect(describeFetchFailure(new TypeError('x is not a function'))).toBeUndefined();
  });
});

describe('bindFetch', () => {
  it('passes answers through and honours the caller signal too', async () => {
    const server = await listen((_req, res) => res.end('pong'));
    try {
      const fetch = bindFetch(globalThis.fetch, new AbortController().signal);
      expect(await (await fetch(`${server.url}/ping`)).text()).toBe('pong');
      const own = new AbortController();
      own.abort();
      await expect(fetch(`${server.url}/ping`, { signal: own.signal })).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      await server.close();
    }
  });

  it('turns a refused connection into a ConnectorError naming the provider', async () => {
    const port = await closedPort();
    const error = await bindFetch(
      globalThis.fetch,
      new AbortController().signal,
    )(`http://127.0.0.1:${port}/a?b=c`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({
      kind: 'unreachable',
      message: `The provider at http://127.0.0.1:${port} did not answer: connection refused`,
    });
  });
});
