/**
 * A client for the fake PBX API over the injected fetch. Every request carries
 * `Authorization: Bearer <secret>`; JSON in and out.
 *   GET /ping · GET /members → [{ ext, name }] · POST /calls { from, to } · POST /webhook { url }
 */
import { ConnectorError, type VoipMember } from '../../contract/index.js';
import type { FakeApiMember } from './fake-types.js';

export interface FakeApi {
  ping(): Promise<void>;
  members(): Promise<VoipMember[]>;
  call(from: string, to: string): Promise<void>;
  subscribe(webhookUrl: string): Promise<void>;
}

export function createFakeApi(fetch: typeof globalThis.fetch, apiUrl: string, secret: string): FakeApi {
  async function request(path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${apiUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw new ConnectorError('auth', 'The fake PBX rejected the secret: check the Webhook secret setting');
    }
    if (response.status === 429)
      throw new ConnectorError('rate_limited', 'The fake PBX asks to slow down: try again later');
    if (!response.ok) {
      const detail = text.slice(0, 200) || response.statusText;
      throw new ConnectorError('rejected', `The fake PBX answered ${path} with ${response.status}: ${detail}`);
    }
    try {
      return text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ConnectorError('bad_response', `The fake PBX answered ${path} with something other than JSON`);
    }
  }

  return {
    async ping() {
      await request('/ping');
    },
    async members() {
      const list = await request('/members');
      const valid =
        Array.isArray(list) &&
        list.every((item) => typeof item?.ext === 'string' && item.ext !== '' && typeof item.name === 'string');
      if (!valid) throw new ConnectorError('bad_response', 'The fake PBX sent a member list without ext and name');
      return (list as FakeApiMember[]).map(({ ext, name }) => ({ id: ext, label: name }));
    },
    async call(from, to) {
      await request('/calls', { from, to });
    },
    async subscribe(webhookUrl) {
      await request('/webhook', { url: webhookUrl });
    },
  };
}
