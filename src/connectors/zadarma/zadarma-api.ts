/** The Zadarma v1 API client, over the fetch the host injects. Every failure is a readable ConnectorError. */
import { ConnectorError } from '../../contract/index.js';
import type { ZadarmaSettings } from './zadarma-settings.js';
import type {
  ZadarmaBalanceReply,
  ZadarmaCallbackReply,
  ZadarmaInternalInfoReply,
  ZadarmaInternalReply,
  ZadarmaRecordReply,
  ZadarmaReply,
  ZadarmaTimezoneReply,
} from './zadarma-types.js';
import { zadarmaApiSignature, zadarmaParamString } from './zadarma-webhook.js';

/** A ConnectorError that keeps the HTTP status, for callers that treat one specially. */
export class ZadarmaApiError extends ConnectorError {
  constructor(
    kind: ConnectorError['kind'],
    message: string,
    readonly status?: number,
  ) {
    super(kind, message);
    this.name = 'ZadarmaApiError';
  }
}

export interface ZadarmaApi {
  /** `/v1/info/balance/`: cheap and signed, so it doubles as the credentials check. */
  balance(): Promise<ZadarmaBalanceReply>;
  /** `/v1/info/timezone/`: the account's time zone, which `call_start` is written in. */
  timezone(): Promise<ZadarmaTimezoneReply>;
  /** `/v1/pbx/internal/`: the PBX's extensions. */
  extensions(): Promise<string[]>;
  /** `/v1/pbx/internal/{ext}/info/`: an extension's display name. */
  extensionInfo(extension: string): Promise<ZadarmaInternalInfoReply>;
  /** `/v1/request/callback/`: rings `from` first, then `to`; the reply has no call id. */
  callback(from: string, to: string): Promise<ZadarmaCallbackReply>;
  /** `/v1/pbx/record/request/`: a link to the recording valid for `lifetime` seconds. */
  recordLink(query: { call_id: string } | { pbx_call_id: string }, lifetime: number): Promise<string>;
  /** `POST /v1/pbx/callinfo/url/`: where notifications go; Zadarma checks it with `zd_echo` first. */
  setNotificationUrl(url: string): Promise<void>;
  /** `POST /v1/pbx/callinfo/notifications/`: which notifications are sent. */
  enableNotifications(): Promise<void>;
}

type Method = 'GET' | 'POST';

export function createZadarmaApi(settings: ZadarmaSettings, fetch: typeof globalThis.fetch): ZadarmaApi {
  async function call<T extends ZadarmaReply>(
    method: Method,
    path: string,
    params: Record<string, string> = {},
  ): Promise<T> {
    // The PHP client always adds format=json, and the signature covers it.
    const paramString = zadarmaParamString({ ...params, format: 'json' });
    const authorization = `${settings.apiKey}:${zadarmaApiSignature(path, paramString, settings.apiSecret)}`;
    const url = `${settings.apiUrl}${path}${method === 'GET' ? `?${paramString}` : ''}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers: {
          Authorization: authorization,
          ...(method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(method === 'POST' ? { body: paramString } : {}),
      });
      text = await response.text();
    } catch (error) {
      throw transportError(error, settings.apiUrl);
    }
    const body = parseJson(text) as T | undefined;
    const message = typeof body?.message === 'string' ? body.message : '';
    if (response.status === 429) {
      throw new ZadarmaApiError(
        'rate_limited',
        'Zadarma rate limit exceeded (100 requests a minute): try again in a minute.',
        429,
      );
    }
    if (response.status === 401 || /not authori[sz]ed|wrong (key|signature)|invalid (key|signature)/i.test(message)) {
      throw new ZadarmaApiError(
        'auth',
        `Zadarma refused the credentials${message ? ` ("${message}")` : ''}: check the API key and secret in the connection settings.`,
        response.status,
      );
    }
    if (body?.status === 'error' || !response.ok) {
      if (response.status === 404 && !message) {
        throw new ZadarmaApiError(
          'bad_response',
          `Zadarma answered 404 Not Found for ${path}: check the platform and the API address.`,
          404,
        );
      }
      throw new ZadarmaApiError(
        response.status >= 500 ? 'unreachable' : 'rejected',
        `Zadarma refused ${path}${message ? `: ${message}` : ` with HTTP ${response.status}`}.`,
        response.status,
      );
    }
    if (body === undefined || typeof body !== 'object' || body === null) {
      throw new ZadarmaApiError(
        'bad_response',
        `Zadarma answered ${path} with something that is not JSON${excerpt(text)}: check the API address.`,
        response.status,
      );
    }
    return body;
  }

  return {
    balance: () => call('GET', '/v1/info/balance/'),
    timezone: () => call('GET', '/v1/info/timezone/'),
    async extensions() {
      const reply = await call<ZadarmaInternalReply>('GET', '/v1/pbx/internal/');
      if (!Array.isArray(reply.numbers)) {
        throw new ZadarmaApiError('bad_response', 'Zadarma answered /v1/pbx/internal/ without a "numbers" list.');
      }
      return reply.numbers.map((n) => String(n).trim()).filter((n) => /^\d+$/.test(n));
    },
    extensionInfo: (extension) => call('GET', `/v1/pbx/internal/${encodeURIComponent(extension)}/info/`),
    callback: (from, to) => call('GET', '/v1/request/callback/', { from, to }),
    async recordLink(query, lifetime) {
      const reply = await call<ZadarmaRecordReply>('GET', '/v1/pbx/record/request/', {
        ...query,
        lifetime: String(lifetime),
      });
      const link = reply.link ?? reply.links?.[0];
      if (typeof link !== 'string' || !/^https?:\/\//.test(link)) {
        throw new ZadarmaApiError('bad_response', 'Zadarma answered the recording request without a link.');
      }
      return link;
    },
    async setNotificationUrl(url) {
      await call('POST', '/v1/pbx/callinfo/url/', { url });
    },
    async enableNotifications() {
      await call('POST', '/v1/pbx/callinfo/notifications/', {
        notify_start: 'true',
        notify_internal: 'true',
        notify_answer: 'true',
        notify_end: 'true',
        notify_out_start: 'true',
        notify_out_end: 'true',
      });
    },
  };
}

function transportError(error: unknown, apiUrl: string): ZadarmaApiError {
  const { name, message } = error as { name?: string; message?: string };
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new ZadarmaApiError(
      'unreachable',
      `Zadarma at ${apiUrl} did not answer in time; if it keeps happening, check that this server can reach it.`,
    );
  }
  // The host's fetch says which address failed and why ("… did not answer: connection refused").
  return new ZadarmaApiError(
    'unreachable',
    `${message ?? 'The request to Zadarma failed'}. Check the platform or API address in the connection settings and that this server can reach it.`,
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function excerpt(text: string): string {
  const short = text.trim().replace(/\s+/g, ' ').slice(0, 120);
  return short ? `: "${short}"` : '';
}
