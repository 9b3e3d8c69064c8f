/**
 * The profile's control API (`event_route[xhttp:request]` in deploy/kamailio/kamailio.cfg) over the fetch
 * the host injects, and the signed recording links `switchboard pbx kamailio` serves.
 * Every failure is a readable ConnectorError.
 */
import { createHmac } from 'node:crypto';
import { ConnectorError } from '../../contract/index.js';
import type { KamailioSettings } from './kamailio-settings.js';
import type { KamailioExtension } from './kamailio-types.js';
import { SECRET_HEADER } from './kamailio-webhook.js';

export interface KamailioApi {
  /** Extensions with their registration state; also the credentials check. */
  extensions(): Promise<KamailioExtension[]>;
  /** Rings `from`, and once it answers REFERs it to `to`; `id` comes back in the call's events. */
  clickToCall(from: string, to: string, id: string): Promise<void>;
  /** Asks the recordings server (HEAD) whether the link's recording is there. */
  checkRecording(link: string): Promise<void>;
}

export function createKamailioApi(settings: KamailioSettings, fetch: typeof globalThis.fetch): KamailioApi {
  async function send(path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
    try {
      // A string body: Kamailio's HTTP server refuses chunked bodies, so it needs Content-Length.
      const response = await fetch(`${settings.controlUrl}${path}`, {
        ...init,
        headers: { [SECRET_HEADER]: settings.secret, 'Content-Type': 'application/json' },
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      if (error instanceof ConnectorError) {
        throw new ConnectorError(error.kind, `${error.message}. Check that \`switchboard pbx kamailio\` runs.`);
      }
      const { name } = error as { name?: string };
      if (name === 'AbortError' || name === 'TimeoutError') {
        throw new ConnectorError('unreachable', `Kamailio at ${settings.controlUrl} did not answer in time.`);
      }
      throw error;
    }
  }

  function check(what: string, status: number, text: string): void {
    if (status >= 200 && status < 300) return;
    const said = errorOf(text);
    if (status === 401) {
      throw new ConnectorError(
        'auth',
        'Kamailio refused the shared secret: restart `switchboard pbx kamailio` after changing it, or copy it again.',
      );
    }
    if (status === 404 && !said) {
      throw new ConnectorError(
        'bad_response',
        `${settings.controlUrl} answered 404: check that the control API URL points to Switchboard's Kamailio profile.`,
      );
    }
    throw new ConnectorError(
      status >= 500 ? 'unreachable' : 'rejected',
      `Kamailio refused ${what}${said ? `: ${said}` : ` with HTTP ${status}`}.`,
    );
  }

  return {
    async extensions() {
      const { status, text } = await send('/extensions');
      check('the extension list', status, text);
      const list = parseJson(text);
      if (!Array.isArray(list)) {
        throw new ConnectorError('bad_response', `${settings.controlUrl}/extensions did not answer a JSON list.`);
      }
      return list
        .filter(
          (item): item is KamailioExtension =>
            typeof item === 'object' && item !== null && typeof (item as KamailioExtension).extension === 'string',
        )
        .map((item) => ({ extension: item.extension, online: item.online === true }))
        .sort((a, b) => a.extension.localeCompare(b.extension, 'en', { numeric: true }));
    },

    async checkRecording(link) {
      let status: number;
      try {
        status = (await fetch(link, { method: 'HEAD' })).status;
      } catch (error) {
        if (error instanceof ConnectorError) {
          throw new ConnectorError(
            error.kind,
            `${error.message}. Check that \`switchboard pbx kamailio\` runs with recording on.`,
          );
        }
        const { name } = error as { name?: string };
        if (name === 'AbortError' || name === 'TimeoutError') {
          throw new ConnectorError(
            'unreachable',
            `The recordings server at ${settings.recordingsUrl} did not answer in time.`,
          );
        }
        throw error;
      }
      if (status === 404) throw new ConnectorError('rejected', 'rtpengine has no recording of this call.');
      if (status === 403) {
        throw new ConnectorError(
          'auth',
          'The recordings server refused the link: the shared secret differs; restart `switchboard pbx kamailio`.',
        );
      }
      if (status < 200 || status >= 300) {
        throw new ConnectorError('bad_response', `The recordings server answered HTTP ${status} for this recording.`);
      }
    },

    async clickToCall(from, to, id) {
      const { status, text } = await send('/calls', { method: 'POST', body: JSON.stringify({ from, to, id }) });
      check(`to call ${to} from ${from}`, status, text);
    },
  };
}

/** The signature of a recording link: HMAC-SHA256 of "<Call-ID>:<expires>" with the shared secret. */
export function recordingSignature(secret: string, sipCallId: string, expires: number): string {
  return createHmac('sha256', secret).update(`${sipCallId}:${expires}`).digest('hex');
}

export function recordingLink(recordingsUrl: string, secret: string, sipCallId: string, expires: number): string {
  const query = new URLSearchParams({ expires: String(expires), sig: recordingSignature(secret, sipCallId, expires) });
  return `${recordingsUrl}/recordings/${encodeURIComponent(sipCallId)}.wav?${query.toString()}`;
}

function errorOf(text: string): string {
  const body = parseJson(text) as { error?: unknown } | undefined;
  return typeof body?.error === 'string' ? body.error.slice(0, 200) : '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
