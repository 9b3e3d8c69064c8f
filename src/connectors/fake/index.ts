/**
 * Fake PBX — a test and development connector; no vendor stands behind it.
 * Docs: docs/connectors/fake.md.
 *
 * It lets the host, its tests and the demo run without a real provider:
 * - Webhooks: `POST` JSON `{ type, direction, from, to, callId, disposition, duration, recording }`, signed with
 *   `X-Fake-Signature` (hex HMAC-SHA256 of the raw body with the `secret` setting); `GET /echo?x=…` echoes `x`.
 * - API: with `apiUrl` set it talks HTTP to a fake PBX API (src/emulators/fake); without it, members come from
 *   the `members` setting and click-to-call only records the last call in module storage (key `lastCall`).
 * - `failTest` makes Test connection fail with that reason, for trying the admin UI.
 */
import {
  ConnectorError,
  type ConnectorContext,
  type ConnectorDefinition,
  type VoipModule,
} from '../../contract/index.js';
import { createFakeApi } from './fake-api.js';
import { fakeRecordingHosts, fakeSettingsFields, readFakeSettings } from './fake-settings.js';
import type { FakeCallData } from './fake-types.js';
import { parseFakeWebhook } from './fake-webhook.js';

function createFakeModule(ctx: ConnectorContext): VoipModule {
  const connect = () => {
    const settings = readFakeSettings(ctx.settings);
    const api = settings.apiUrl === undefined ? undefined : createFakeApi(ctx.fetch, settings.apiUrl, settings.secret);
    return { settings, api };
  };

  return {
    async VoipTestConnection() {
      try {
        const { settings, api } = connect();
        if (settings.failTest !== undefined) return { success: false, failReason: settings.failTest };
        await api?.ping();
        return { success: true };
      } catch (error) {
        if (error instanceof ConnectorError) return { success: false, failReason: error.message };
        throw error;
      }
    },

    async VoipGetMembers() {
      const { settings, api } = connect();
      return api ? api.members() : settings.members;
    },

    async VoipParseWebhookRequest(request) {
      return parseFakeWebhook(request, readFakeSettings(ctx.settings).secret);
    },

    async VoipGenerateCall(srcPhone, dstPhone) {
      const { settings, api } = connect();
      if (api) return api.call(srcPhone, dstPhone);
      const known = settings.members.map((member) => member.id);
      if (known.length > 0 && !known.includes(srcPhone)) {
        throw new ConnectorError(
          'rejected',
          `Extension ${srcPhone} is not on the fake PBX; it has ${known.join(', ')}`,
        );
      }
      await ctx.storage.setItem('lastCall', JSON.stringify({ srcPhone, dstPhone, at: ctx.now().toISOString() }));
      ctx.log.info('Fake call placed', { srcPhone, dstPhone });
    },

    async VoipGetCallLink(callData: Partial<FakeCallData> | null) {
      if (typeof callData?.recording !== 'string') {
        throw new ConnectorError('bad_response', 'This call has no recording on the fake PBX');
      }
      return callData.recording;
    },

    async VoipOnWebhookUpdated(webhookUrl) {
      const { api } = connect();
      await ctx.storage.setItem('webhookUrl', webhookUrl);
      await api?.subscribe(webhookUrl);
    },
  };
}

export const fakeConnector: ConnectorDefinition = {
  id: 'fake',
  name: 'Fake PBX (test/dev)',
  docsUrl: 'docs/connectors/fake.md',
  settings: fakeSettingsFields,
  hasWebhookUpdated: true,
  recordingHosts: fakeRecordingHosts,
  create: createFakeModule,
};
