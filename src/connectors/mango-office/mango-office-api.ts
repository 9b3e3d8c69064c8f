/** The Mango Office VPBX API client, over the fetch the host injects. Every failure is a readable ConnectorError. */
import { ConnectorError } from '../../contract/index.js';
import type { MangoSettings } from './mango-office-settings.js';
import type {
  MangoBalanceResponse,
  MangoCallbackCommand,
  MangoNumber,
  MangoRecordingQuery,
  MangoUser,
  MangoUsersResponse,
} from './mango-office-types.js';
import { signMango, toInt } from './mango-office-webhook.js';

type ErrorKind = ConnectorError['kind'];

/** A ConnectorError that keeps Mango's result code, for callers that treat one code specially. */
export class MangoApiError extends ConnectorError {
  constructor(
    kind: ErrorKind,
    message: string,
    readonly code?: number,
  ) {
    super(kind, message);
    this.name = 'MangoApiError';
  }
}

/**
 * Result codes in words. Source: VPBX API v1.9, "Список кодов результатов" (pp. 322-327).
 * Unknown codes are read as their class, as the list prescribes (2219 → 2210 → 2200 → 2000).
 */
const RESULTS: ReadonlyMap<number, [ErrorKind, string]> = new Map([
  [2000, ['rejected', "Mango Office's billing refused the action: check the balance and the tariff in the cabinet"]],
  [2100, ['rejected', 'The Mango Office account is blocked, closed or frozen: contact Mango Office']],
  [2200, ['rejected', "The Mango Office account's limits do not allow this action: check the tariff in the cabinet"]],
  [2220, ['rejected', 'The Mango Office account has reached its limit of simultaneous calls']],
  [2240, ['rejected', 'The Mango Office account has insufficient funds']],
  [3000, ['rejected', 'Mango Office refused the request as invalid']],
  [
    3100,
    [
      'rejected',
      'Mango Office refused the parameters: check that the extension exists in Mango and the number can be called',
    ],
  ],
  [3101, ['bad_response', 'Mango Office accepts only POST requests']],
  [3102, ['auth', 'Mango rejected the signature: check the signature key (vpbx_api_salt) in the connection settings']],
  [3103, ['rejected', 'Mango Office says a required parameter is missing']],
  [3104, ['rejected', 'Mango Office says a parameter has the wrong format']],
  [
    3105,
    [
      'auth',
      'Mango does not know this unique PBX code (vpbx_api_key): copy it again from Integrations → API connector',
    ],
  ],
  [3200, ['rejected', 'Mango Office says the phone number is wrong']],
  [3300, ['rejected', 'Mango Office could not find the requested object']],
  [3310, ['rejected', 'Mango Office could not find this call']],
  [3320, ['rejected', 'Mango Office has no such recording: it may have been deleted from the cloud storage']],
  [3400, ['bad_response', 'Mango Office could not read the JSON it was sent']],
  [4000, ['rejected', 'Mango Office cannot perform this action now']],
  [
    4001,
    [
      'rejected',
      "Mango Office does not support this command for the account: check the API connector's options in the cabinet",
    ],
  ],
  [4100, ['rejected', "Mango Office cannot perform the command in the call's current state"]],
  [4101, ['rejected', 'The call has already ended']],
  [4200, ['rejected', 'Mango Office cannot reach the party right now']],
  [5000, ['unreachable', 'Mango Office had a server error; try again in a minute']],
]);

export function isMangoSuccess(code: number): boolean {
  return Math.floor(code / 1000) === 1;
}

/** A failed result code as an error the admin can act on. */
export function mangoResultError(code: number): MangoApiError {
  for (const step of [1, 10, 100, 1000]) {
    const found = RESULTS.get(Math.floor(code / step) * step);
    if (found) return new MangoApiError(found[0], `${found[1]} (Mango code ${code}).`, code);
  }
  return new MangoApiError('rejected', `Mango Office refused the request with code ${code}.`, code);
}

export interface MangoApi {
  /** `/account/balance`: the cheapest signed call, so it doubles as the credentials check. */
  balance(): Promise<MangoBalanceResponse>;
  /** `/config/users/request`: limited to one request per 2 seconds. */
  users(): Promise<MangoUser[]>;
  /** `/commands/callback`: the outcome comes later to `/result/callback`. */
  callback(command: MangoCallbackCommand): Promise<void>;
  /** `/queries/recording/post` with `play`: a fresh single-use link (the 302's Location). */
  recordingLink(recordingId: string): Promise<string>;
}

export function createMangoApi(settings: MangoSettings, fetch: typeof globalThis.fetch): MangoApi {
  async function post(path: string, payload: object, redirect: RequestRedirect = 'follow'): Promise<Response> {
    const json = JSON.stringify(payload);
    const body = new URLSearchParams({
      vpbx_api_key: settings.apiKey,
      sign: signMango(settings.apiKey, json, settings.apiSalt),
      json,
    });
    try {
      return await fetch(new URL(path, settings.apiUrl), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
        redirect,
      });
    } catch (error) {
      throw transportError(error, settings.apiUrl);
    }
  }

  /** Reads a reply; `undefined` for an empty 2xx body when `allowEmpty` (the callback's reply is not specified). */
  async function read(response: Response, allowEmpty = false): Promise<unknown> {
    if (response.status === 429) {
      throw new MangoApiError(
        'rate_limited',
        'Mango Office rate limit exceeded (the employee list, for one, may be read once every 2 seconds): try again in a few seconds.',
      );
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw transportError(error, settings.apiUrl);
    }
    const body = parseJson(text);
    const code = isRecord(body) ? toInt(body.result as MangoNumber) : undefined;
    if (code !== undefined && !isMangoSuccess(code)) throw mangoResultError(code);
    if (response.status === 401) {
      throw new MangoApiError(
        'auth',
        'Mango Office blocks the API for 2 minutes after repeated invalid requests: check the unique PBX code and the signature key, then try again in 2 minutes.',
      );
    }
    if (response.status === 404) {
      throw new MangoApiError(
        'bad_response',
        `Mango Office answered 404 Not Found: check the API address (usually https://app.mango-office.ru/vpbx/).`,
      );
    }
    if (!response.ok) {
      throw new MangoApiError('bad_response', `Mango Office answered HTTP ${response.status}${excerpt(text)}.`);
    }
    if (body === undefined && !(allowEmpty && text.trim() === '')) {
      throw new MangoApiError(
        'bad_response',
        `Mango Office answered with something that is not JSON${excerpt(text)}: check the API address.`,
      );
    }
    return body;
  }

  return {
    async balance() {
      return (await read(await post('account/balance', {}))) as MangoBalanceResponse;
    },

    async users() {
      const body = (await read(await post('config/users/request', {}))) as Partial<MangoUsersResponse>;
      if (!Array.isArray(body.users)) {
        throw new MangoApiError('bad_response', 'Mango Office answered the employee list without a "users" array.');
      }
      return body.users;
    },

    async callback(command) {
      await read(await post('commands/callback', command), true);
    },

    async recordingLink(recordingId) {
      const query: MangoRecordingQuery = { recording_id: recordingId, action: 'play' };
      const response = await post('queries/recording/post', query, 'manual');
      if (response.status >= 300 && response.status < 400) {
        const location = response.headers.get('location');
        await response.body?.cancel();
        if (!location) {
          throw new MangoApiError('bad_response', 'Mango Office redirected the recording request without a Location.');
        }
        return new URL(location, new URL('queries/recording/post', settings.apiUrl)).href;
      }
      await read(response);
      throw new MangoApiError(
        'bad_response',
        'Mango Office answered the recording request without a link (a 302 redirect was expected).',
      );
    },
  };
}

function transportError(error: unknown, apiUrl: string): MangoApiError {
  const { name, message } = error as { name?: string; message?: string };
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new MangoApiError(
      'unreachable',
      `Mango Office at ${apiUrl} did not answer in time; if it keeps happening, check that this server can reach it.`,
    );
  }
  // The host's fetch says which address failed and why ("… did not answer: connection refused").
  return new MangoApiError(
    'unreachable',
    `${message ?? 'The request to Mango Office failed'}. Check the API address in the connection settings and that this server can reach it.`,
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function excerpt(text: string): string {
  const short = text.trim().replace(/\s+/g, ' ').slice(0, 120);
  return short ? `: "${short}"` : '';
}
