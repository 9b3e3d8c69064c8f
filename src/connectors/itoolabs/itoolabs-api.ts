/**
 * The ITooLabs CRM API client, both generations, over the fetch the host injects:
 * legacy `POST /sys/crm_api.wcgp` (form: `cmd`, `token`, params) and REST `/crmapi/v1` (`X-API-KEY`, JSON).
 * Every failure is a readable ConnectorError.
 */
import { ConnectorError } from '../../contract/index.js';
import type { ItoolabsSettings } from './itoolabs-settings.js';
import type { ItoolabsHistoryRow, ItoolabsLegacyAccount, ItoolabsRestUser } from './itoolabs-types.js';

export interface ItoolabsAccount {
  login: string;
  name: string;
  ext: string;
}

export interface ItoolabsApi {
  /** The PBX users (legacy `accounts`, REST `GET /users`); also the credentials check. */
  accounts(): Promise<ItoolabsAccount[]>;
  /** Rings the user, then the client (legacy `makeCall`, REST `POST /makecall`); the PBX's call id. */
  makeCall(login: string, phone: string): Promise<string>;
  /** Today's and yesterday's calls (legacy CSV `history`, REST `GET /history/json`). */
  history(period: 'today' | 'yesterday'): Promise<ItoolabsHistoryRow[]>;
}

export function createItoolabsApi(settings: ItoolabsSettings, fetch: typeof globalThis.fetch): ItoolabsApi {
  const where = settings.generation === 'legacy' ? '/sys/crm_api.wcgp' : '/crmapi/v1';

  async function send(url: string, init: RequestInit): Promise<{ status: number; text: string }> {
    try {
      const response = await fetch(url, init);
      return { status: response.status, text: await response.text() };
    } catch (error) {
      throw transportError(error, settings.baseUrl);
    }
  }

  function check(what: string, status: number, text: string): void {
    if (status >= 200 && status < 300) return;
    const body = parseJson(text) as { error?: unknown; message?: unknown } | undefined;
    const said = typeof body?.error === 'string' ? body.error : typeof body?.message === 'string' ? body.message : '';
    if (status === 401 || status === 403) {
      throw new ConnectorError(
        'auth',
        `The PBX refused the API key${said ? ` ("${said}")` : ''}: copy it again from the PBX cabinet → Integrations.`,
      );
    }
    if (status === 404 && !said) {
      throw new ConnectorError(
        'bad_response',
        `The PBX answered 404 Not Found for ${where}: check the PBX address${settings.generation === 'rest' ? ', or choose the legacy CRM API (this PBX may have no REST API)' : ''}.`,
      );
    }
    if (status === 429)
      throw new ConnectorError('rate_limited', 'The PBX says too many requests: try again in a minute.');
    throw new ConnectorError(
      status >= 500 ? 'unreachable' : 'rejected',
      `The PBX refused ${what}${said ? `: ${said}` : ` with HTTP ${status}`}.`,
    );
  }

  async function legacy(cmd: string, params: Record<string, string> = {}): Promise<string> {
    const body = new URLSearchParams({ cmd, token: settings.apiKey, ...params }).toString();
    const { status, text } = await send(`${settings.baseUrl}/sys/crm_api.wcgp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    check(cmd, status, text);
    return text;
  }

  async function rest(method: 'GET' | 'POST', path: string, payload?: object): Promise<unknown> {
    const { status, text } = await send(`${settings.baseUrl}/crmapi/v1${path}`, {
      method,
      headers: {
        'X-API-KEY': settings.apiKey,
        Accept: 'application/json',
        ...(payload ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(payload ? { body: JSON.stringify(payload) } : {}),
    });
    check(`${method} ${path}`, status, text);
    const body = parseJson(text);
    if (body === undefined) {
      throw new ConnectorError(
        'bad_response',
        `The PBX answered ${path} with something that is not JSON${excerpt(text)}.`,
      );
    }
    return body;
  }

  const list = (value: unknown, what: string): unknown[] => {
    if (!Array.isArray(value)) throw new ConnectorError('bad_response', `The PBX answered ${what} without a list.`);
    return value;
  };

  return {
    async accounts() {
      if (settings.generation === 'legacy') {
        const body = parseJson(await legacy('accounts'));
        return list(body, 'accounts').flatMap((item) => {
          const a = item as Partial<ItoolabsLegacyAccount>;
          return typeof a.name === 'string'
            ? [{ login: a.name, name: a.realName?.trim() || a.name, ext: String(a.ext ?? '').trim() }]
            : [];
        });
      }
      return list(await rest('GET', '/users'), '/users').flatMap((item) => {
        const u = item as Partial<ItoolabsRestUser>;
        return typeof u.login === 'string'
          ? [{ login: u.login, name: u.name?.trim() || u.login, ext: String(u.ext ?? '').trim() }]
          : [];
      });
    },

    async makeCall(login, phone) {
      if (settings.generation === 'legacy') {
        // The spec answers the CallID as bare text; some PBXs answer a JSON object (providers.md §3.5).
        const text = (await legacy('makeCall', { user: login, phone })).trim();
        const body = parseJson(text) as { callid?: unknown; uuid?: unknown } | undefined;
        return typeof body === 'object' && body !== null ? String(body.callid ?? body.uuid ?? '') : text;
      }
      const body = (await rest('POST', '/makecall', { user: login, phone })) as { callid?: unknown };
      return String(body.callid ?? '');
    },

    async history(period) {
      if (settings.generation === 'legacy') {
        return parseHistoryCsv(await legacy('history', { period, type: 'all' }));
      }
      return list(await rest('GET', `/history/json?period=${period}&type=all`), '/history/json').flatMap((item) => {
        const r = item as Record<string, unknown>;
        if (typeof r.uid !== 'string') return [];
        return [
          {
            uid: r.uid,
            type: String(r.type ?? ''),
            ...(typeof r.status === 'string' ? { status: r.status } : {}),
            client: String(r.client ?? ''),
            account: String(r.user ?? r.account ?? ''),
            start: String(r.start ?? ''),
            wait: Number(r.wait) || 0,
            duration: Number(r.duration) || 0,
            record: String(r.record ?? ''),
          },
        ];
      });
    },
  };
}

/** The legacy history: CSV lines `uid,type,client,account,via,start,wait,duration,record` (ITooLabs doc). */
export function parseHistoryCsv(text: string): ItoolabsHistoryRow[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('uid,'))
    .flatMap((line) => {
      const [uid, type, client, account, , start, wait, duration, ...record] = line.split(',');
      if (!uid || !type) return [];
      return [
        {
          uid,
          type,
          client: client ?? '',
          account: account ?? '',
          start: start ?? '',
          wait: Number(wait) || 0,
          duration: Number(duration) || 0,
          record: record.join(',').trim(),
        },
      ];
    });
}

function transportError(error: unknown, baseUrl: string): ConnectorError {
  const { name, message } = error as { name?: string; message?: string };
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new ConnectorError(
      'unreachable',
      `The PBX at ${baseUrl} did not answer in time; check that this server can reach it.`,
    );
  }
  // The host's fetch says which address failed and why ("… did not answer: connection refused").
  return new ConnectorError(
    'unreachable',
    `${message ?? 'The request to the PBX failed'}. Check the operator, the PBX name or address, and that this server can reach it.`,
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
