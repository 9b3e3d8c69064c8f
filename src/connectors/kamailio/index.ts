/**
 * Switchboard's own Kamailio PBX profile (deploy/kamailio/kamailio.cfg), for a small office on one server.
 * Setup: docs/connectors/kamailio.md; `switchboard pbx kamailio --connection <id>` writes the configuration
 * and runs Kamailio (and rtpengine when recording).
 *
 * Quirks:
 * - Events are JSON posts with the shared secret in `X-Switchboard-Secret`; Kamailio posts them from a
 *   timer process so SIP never waits for the hub, and does not retry a failed post.
 * - An INVITE to an extension that is not registered never creates a dialog: the profile reports it as
 *   "ended / not_registered / 480" itself.
 * - Click-to-call is the dialog module's bridge: Kamailio rings the employee with an on-hold INVITE and,
 *   when answered, REFERs it to the client; the employee's phone then calls the client itself. The
 *   profile tags both dialogs with our click-to-call id, and the connector folds them into one call.
 * - Recordings are rtpengine pcaps (G.711); `switchboard pbx kamailio` converts one to WAV on request,
 *   behind a link signed with the shared secret that expires.
 *
 * Module storage keys:
 *   kamailio:call:<Call-ID>   KamailioCallState     when the dialog was answered and ended
 *   kamailio:ended            [Call-ID, ended at][] ended dialogs; their keys are dropped a day later
 *   kamailio:c2c:<id>         PendingClickToCall    our click-to-call request, for its result
 */
import { randomUUID } from 'node:crypto';
import { ConnectorError, HttpResponse } from '../../contract/index.js';
import type { ConnectorDefinition, ModuleStorage, VoipWebhookParseResult } from '../../contract/index.js';
import { createKamailioApi, recordingLink } from './kamailio-api.js';
import { kamailioRecordingHosts, kamailioSettings, readKamailioSettings } from './kamailio-settings.js';
import { foldEvent, readKamailioEvent } from './kamailio-webhook.js';
import type { KamailioCallData, KamailioCallState, PendingClickToCall } from './kamailio-webhook.js';

export type { KamailioCallData } from './kamailio-webhook.js';

/** How long a recording link works. */
const LINK_LIFETIME_S = 3600;
const FORGET_AFTER_MS = 24 * 3600_000;
const ENDED_KEY = 'kamailio:ended';

export const kamailioConnector: ConnectorDefinition = {
  id: 'kamailio',
  name: 'Kamailio (Switchboard PBX profile)',
  docsUrl: 'docs/connectors/kamailio.md',
  settings: kamailioSettings,
  hasWebhookUpdated: false,
  recordingHosts: kamailioRecordingHosts,
  create(ctx) {
    const settings = () => readKamailioSettings(ctx.settings);
    const api = () => createKamailioApi(settings(), ctx.fetch);

    return {
      async VoipTestConnection() {
        try {
          await api().extensions();
          return { success: true };
        } catch (error) {
          if (error instanceof ConnectorError) return { success: false, failReason: error.message };
          throw error;
        }
      },

      async VoipGetMembers() {
        return (await api().extensions()).map(({ extension, online }) => ({
          id: extension,
          label: `Extension ${extension} (${online ? 'online' : 'offline'})`,
        }));
      },

      async VoipParseWebhookRequest(request) {
        const input = readKamailioEvent(request, settings().secret);
        if (!input.ok) {
          ctx.log.warn(`Refused a Kamailio event: ${input.error}`, { method: request.method });
          return { response: input.response };
        }
        const event = input.event;
        const stateKey = `kamailio:call:${event.callId}`;
        const pendingKey = event.clickToCall ? `kamailio:c2c:${event.clickToCall}` : undefined;
        const state = await load<KamailioCallState>(ctx.storage, stateKey);
        const pending = pendingKey ? await load<PendingClickToCall>(ctx.storage, pendingKey) : undefined;
        const outcome = foldEvent(event, state, pending);
        if (outcome.state) {
          await ctx.storage.setItem(stateKey, JSON.stringify(outcome.state));
          if (outcome.state.endedAt !== undefined && state?.endedAt === undefined) {
            await forgetOldCalls(ctx.storage, event.callId, outcome.state.endedAt);
          }
        }
        if (pendingKey && pending && outcome.callRecord) await ctx.storage.removeItem(pendingKey);
        else if (pendingKey && pending && outcome.generateCallResult) {
          await ctx.storage.setItem(pendingKey, JSON.stringify({ ...pending, reported: true }));
        }
        const result: VoipWebhookParseResult = { response: new HttpResponse() };
        if (outcome.event) result.event = outcome.event;
        if (outcome.callRecord) result.callRecord = outcome.callRecord;
        if (outcome.generateCallResult) result.generateCallResult = outcome.generateCallResult;
        return result;
      },

      async VoipGenerateCall(srcPhone, dstPhone) {
        const from = srcPhone.trim();
        const to = dstPhone.replace(/\D/g, '');
        if (!/^\d{1,10}$/.test(from)) {
          throw new ConnectorError(
            'rejected',
            `Click-to-call needs your extension (digits, e.g. 1001), not "${srcPhone}": bind your user to an extension.`,
          );
        }
        if (!/^\d{1,10}$/.test(to)) {
          throw new ConnectorError('rejected', `This PBX calls its own extensions only; "${dstPhone}" is not one.`);
        }
        const id = randomUUID();
        await ctx.storage.setItem(
          `kamailio:c2c:${id}`,
          JSON.stringify({ src: srcPhone, dst: dstPhone } satisfies PendingClickToCall),
        );
        await api().clickToCall(from, to, id);
        ctx.log.info('Kamailio rings the extension, then transfers it to the number', { from, to, id });
      },

      async VoipGetCallLink(callData) {
        const data = callData as Partial<KamailioCallData> | null | undefined;
        const current = settings();
        if (typeof data?.sipCallId !== 'string' || data.recorded !== true) {
          throw new ConnectorError('rejected', 'This call was not recorded.');
        }
        if (!current.recordingsUrl) {
          throw new ConnectorError(
            'rejected',
            'Recordings are off: set the recordings URL in the connection settings.',
          );
        }
        const expires = Math.floor(ctx.now().getTime() / 1000) + LINK_LIFETIME_S;
        const link = recordingLink(current.recordingsUrl, current.secret, data.sipCallId, expires);
        await createKamailioApi(current, ctx.fetch).checkRecording(link);
        return link;
      },
    };
  },
};

/**
 * Ended dialogs are kept a day (so a repeated delivery reports nothing), then dropped with their
 * click-to-call request: the list holds [Call-ID, ended at, click-to-call id].
 */
async function forgetOldCalls(storage: ModuleStorage, callId: string, endedAt: number): Promise<void> {
  const ended = (await load<Array<[string, number]>>(storage, ENDED_KEY)) ?? [];
  const kept: Array<[string, number]> = [];
  for (const [id, at] of ended) {
    if (endedAt - at > FORGET_AFTER_MS) await storage.removeItem(`kamailio:call:${id}`);
    else kept.push([id, at]);
  }
  kept.push([callId, endedAt]);
  await storage.setItem(ENDED_KEY, JSON.stringify(kept));
}

async function load<T>(storage: ModuleStorage, key: string): Promise<T | undefined> {
  const raw = await storage.getItem(key);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
