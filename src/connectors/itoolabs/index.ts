/**
 * ITooLabs "Облачная АТС" CRM protocol, as resold by MegaFon (megapbx.ru), Gravitel, Kcell, Moldcell and others.
 * Vendor docs: https://api.megapbx.ru/#/docs/crmapi/v1/general (REST), ITooLabs "REST API ВАТС (CRM)" and
 * http://support.itoolabs.com/hc/ru/articles/205549227 (legacy). Admin setup: docs/connectors/itoolabs.md
 *
 * Quirks:
 * - Two API generations: legacy `POST /sys/crm_api.wcgp` (form `cmd` + `token`; `history` answers CSV,
 *   `makeCall` the CallID as bare text or, on some PBXs, JSON) and REST `/crmapi/v1` (`X-API-KEY`, JSON).
 * - Pushes to us are form posts with `cmd` and `crm_token`: no signature, the token is the only proof.
 * - `contact` is synchronous: the caller waits while we answer `{contact_name, responsible}`; `responsible`
 *   (a login) makes the PBX route the call to that user. The hub's contacts come from `ctx.lookupContact`.
 * - Events carry no time (only `history.start` does), so the hub takes them in arrival order.
 * - `event.type` and `history.status` differ in case between PBX versions; `user` may be a group
 *   (`g_<uuid>`) or `login@tenant`. The PBX user is known by login, the hub's bindings by extension.
 * - No hang-up or transfer command; recordings are plain URLs in `history.link`.
 *
 * Module storage keys; a call's key is dropped a day after it was first seen:
 *   itoolabs:call:<callid>  ItoolabsCallState   direction, record and rating, in whatever order they come
 *   itoolabs:open-calls     [callid, first seen][]
 *   itoolabs:accounts       [login, ext][]      the PBX users, read with the members or on demand
 */
import { ConnectorError, HttpResponse } from '../../contract/index.js';
import type {
  ConnectorContext,
  ConnectorDefinition,
  ModuleStorage,
  VoipWebhookParseResult,
} from '../../contract/index.js';
import { createItoolabsApi } from './itoolabs-api.js';
import type { ItoolabsAccount } from './itoolabs-api.js';
import { itoolabsRecordingHosts, itoolabsSettings, readItoolabsSettings } from './itoolabs-settings.js';
import type { ItoolabsPush } from './itoolabs-types.js';
import {
  eventToRequest,
  historyRowToRecord,
  historyToRecord,
  loginOf,
  ratingOf,
  readItoolabsPush,
  recordOf,
} from './itoolabs-webhook.js';
import type { ItoolabsCallData, ItoolabsCallState } from './itoolabs-webhook.js';

export type { ItoolabsCallData } from './itoolabs-webhook.js';

const FORGET_CALLS_AFTER_MS = 24 * 3600_000;
const OPEN_CALLS_KEY = 'itoolabs:open-calls';
const ACCOUNTS_KEY = 'itoolabs:accounts';

export const itoolabsConnector: ConnectorDefinition = {
  id: 'itoolabs',
  name: 'MegaFon / ITooLabs PBX',
  docsUrl: 'docs/connectors/itoolabs.md',
  settings: itoolabsSettings,
  hasWebhookUpdated: true,
  recordingHosts: itoolabsRecordingHosts,
  create(ctx) {
    const settings = () => readItoolabsSettings(ctx.settings);
    const api = () => createItoolabsApi(settings(), ctx.fetch);

    return {
      async VoipTestConnection() {
        try {
          const accounts = await api().accounts();
          await saveAccounts(ctx.storage, accounts);
          return { success: true };
        } catch (error) {
          if (error instanceof ConnectorError) return { success: false, failReason: error.message };
          throw error;
        }
      },

      async VoipGetMembers() {
        const accounts = await api().accounts();
        await saveAccounts(ctx.storage, accounts);
        // A user without an extension cannot be told apart in the events the hub matches, so cannot be mapped.
        return accounts
          .filter((a) => /^\d+$/.test(a.ext))
          .map((a) => ({ id: a.ext, label: a.name === a.login ? a.login : `${a.name} (${a.login})` }));
      },

      async VoipParseWebhookRequest(request) {
        const input = readItoolabsPush(request, settings().crmToken);
        if (!input.ok) {
          ctx.log.warn(`Refused a PBX push: ${input.error}`, { method: request.method });
          return { response: input.response };
        }
        return applyPush(ctx, input.push);
      },

      async VoipGenerateCall(srcPhone, dstPhone) {
        const extension = srcPhone.trim();
        const phone = dstPhone.replace(/\D/g, '');
        if (!extension) {
          throw new ConnectorError(
            'rejected',
            'Click-to-call needs your PBX extension: map your user in the connection settings.',
          );
        }
        if (!phone) throw new ConnectorError('rejected', 'There is no number to call.');
        const login = await loginForExtension(ctx, extension);
        if (!login) {
          throw new ConnectorError(
            'rejected',
            `The PBX has no user with extension ${extension}: check the user mapping in the connection settings.`,
          );
        }
        // Digits only: the PBX refuses a leading + (Moldcell integration notes).
        const callId = await api().makeCall(login, phone);
        ctx.log.info('The PBX rings the user first, then the client', { login, callId });
      },

      async VoipGetCallLink(callData) {
        const data = callData as Partial<ItoolabsCallData> | null | undefined;
        if (typeof data?.link === 'string' && /^https?:\/\//.test(data.link)) return data.link;
        const callId = typeof data?.callId === 'string' ? data.callId : '';
        if (!callId) throw new ConnectorError('rejected', 'This call has no recording on the PBX.');
        const found = await findInHistory(ctx, callId);
        if (!found?.call) throw new ConnectorError('rejected', 'The PBX history has no recording for this call.');
        return found.call.link;
      },

      async VoipOnWebhookUpdated(webhookUrl) {
        // The CRM URL is set in the PBX cabinet only; the protocol has no command for it.
        await ctx.storage.setItem('itoolabs:webhook-url', webhookUrl);
        ctx.log.info('Paste the webhook URL and the CRM token into the PBX cabinet → Integrations', { webhookUrl });
      },
    };
  },
};

async function applyPush(ctx: ConnectorContext, push: ItoolabsPush): Promise<VoipWebhookParseResult> {
  const response = new HttpResponse();
  switch (push.cmd) {
    case 'contact': {
      // The caller hears ringing while we answer: one lookup, and the accounts only if not known yet.
      const found = await ctx.lookupContact?.(push.phone);
      if (!found) return { response: response.json({}) };
      const login = found.responsibleExtension ? await loginForExtension(ctx, found.responsibleExtension) : undefined;
      ctx.log.debug('Told the PBX who is calling', { callId: push.callid, routedTo: login });
      return { response: response.json({ contact_name: found.name, ...(login ? { responsible: login } : {}) }) };
    }
    case 'event': {
      const key = `itoolabs:call:${push.callid}`;
      const state = (await load<ItoolabsCallState>(ctx.storage, key)) ?? {};
      const { event, direction } = eventToRequest(push, state.direction, await extOfLogin(ctx.storage));
      if (state.direction !== direction) await saveCall(ctx, push.callid, { ...state, direction });
      return event ? { event, response } : { response };
    }
    case 'history': {
      const state = (await load<ItoolabsCallState>(ctx.storage, `itoolabs:call:${push.callid}`)) ?? {};
      const { record, call } = historyToRecord(push, await extOfLogin(ctx.storage));
      const rating = state.rating ?? ratingOf(push.rating);
      const next: ItoolabsCallState = { ...state, record, call, ...(rating === undefined ? {} : { rating }) };
      await saveCall(ctx, push.callid, next);
      const callRecord = recordOf(next);
      return callRecord ? { callRecord, response } : { response };
    }
    case 'rating': {
      const rating = ratingOf(push.rating);
      if (rating === undefined) return { response };
      const state = (await load<ItoolabsCallState>(ctx.storage, `itoolabs:call:${push.callid}`)) ?? {};
      let next: ItoolabsCallState = { ...state, rating };
      if (!next.record) {
        // The call's history push is lost or late: reconcile it from the PBX's call history. The rating
        // is kept either way, so a history push that comes later still carries it.
        try {
          const found = await findInHistory(ctx, push.callid);
          if (found) next = { ...next, ...found };
        } catch (error) {
          ctx.log.warn(`Could not read the PBX history for a rated call: ${(error as Error).message}`, {
            callId: push.callid,
          });
        }
      }
      await saveCall(ctx, push.callid, next);
      const callRecord = recordOf(next);
      return callRecord ? { callRecord, response } : { response };
    }
  }
}

/** The call in today's or yesterday's history, read from the API. */
async function findInHistory(
  ctx: ConnectorContext,
  callId: string,
): Promise<Pick<ItoolabsCallState, 'record' | 'call'> | undefined> {
  const client = createItoolabsApi(readItoolabsSettings(ctx.settings), ctx.fetch);
  for (const period of ['today', 'yesterday'] as const) {
    const row = (await client.history(period)).find((r) => r.uid === callId);
    if (row) {
      ctx.log.info('Took a call the PBX never pushed from its history', { callId });
      return historyRowToRecord(row, await extOfLogin(ctx.storage));
    }
  }
  return undefined;
}

async function loginForExtension(ctx: ConnectorContext, extension: string): Promise<string | undefined> {
  const known = [...(await extOfLogin(ctx.storage))].find(([, ext]) => ext === extension)?.[0];
  if (known) return known;
  const accounts = await createItoolabsApi(readItoolabsSettings(ctx.settings), ctx.fetch).accounts();
  await saveAccounts(ctx.storage, accounts);
  return accounts.find((a) => a.ext === extension)?.login;
}

async function extOfLogin(storage: ModuleStorage): Promise<Map<string, string>> {
  return new Map((await load<Array<[string, string]>>(storage, ACCOUNTS_KEY)) ?? []);
}

async function saveAccounts(storage: ModuleStorage, accounts: ItoolabsAccount[]): Promise<void> {
  await save(
    storage,
    ACCOUNTS_KEY,
    accounts.filter((a) => a.ext).map((a) => [loginOf(a.login), a.ext]),
  );
}

async function saveCall(ctx: ConnectorContext, callId: string, state: ItoolabsCallState): Promise<void> {
  const key = `itoolabs:call:${callId}`;
  const isNew = (await ctx.storage.getItem(key)) === undefined;
  await save(ctx.storage, key, state);
  if (!isNew) return;
  const now = ctx.now().getTime();
  const open = new Map((await load<Array<[string, number]>>(ctx.storage, OPEN_CALLS_KEY)) ?? []);
  open.set(callId, now);
  for (const [id, since] of open) {
    if (now - since <= FORGET_CALLS_AFTER_MS) continue;
    await ctx.storage.removeItem(`itoolabs:call:${id}`);
    open.delete(id);
  }
  await save(ctx.storage, OPEN_CALLS_KEY, [...open]);
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

async function save(storage: ModuleStorage, key: string, value: unknown): Promise<void> {
  await storage.setItem(key, JSON.stringify(value));
}
