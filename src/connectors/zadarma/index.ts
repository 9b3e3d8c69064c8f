/**
 * Zadarma (and Novofon on its v1 API) cloud PBX.
 * Vendor docs: https://zadarma.com/en/support/api/ (API and "Notifications about calls to the PBX");
 * Novofon: https://novofon.com/instructions/api . Admin setup: docs/connectors/zadarma.md
 *
 * Quirks:
 * - Our requests carry `Authorization: <key>:<base64(hex HMAC-SHA1(method + params + md5(params)))>`
 *   over the parameters sorted by key and encoded as PHP's http_build_query does (API §Authorization).
 * - Notifications are form posts signed in the `Signature` header over per-event fields, as base64 of the
 *   *hex* HMAC-SHA1 (PHP client `getWebhookEvent`); the official TS client checks base64 of the raw
 *   digest instead, so that variant is accepted only behind a setting.
 * - Saving the URL makes Zadarma call it with `zd_echo=<token>` and expect the token as the body.
 * - Every event of a call repeats its `call_start` (the account's wall-clock time, no zone), so the
 *   stage orders them (see `callStartMs`).
 * - `/v1/request/callback/` returns no call id. The PBX rings the extension, then dials the number and
 *   reports it as NOTIFY_OUT_START/OUT_END of that extension: we match those by extension, number and
 *   time (the request we remember for 2 minutes), and the hub links its click-to-call request the same way.
 * - NOTIFY_START may be answered with JSON that steers the call: we send the hub contact's name
 *   (`caller_name`) and, behind a setting, a `redirect` to the extension of the contact's owner.
 * - A recording exists when NOTIFY_END says `is_recorded=1`, but is stored only by NOTIFY_RECORD; links
 *   come from `/v1/pbx/record/request/` with a lifetime we choose.
 *
 * Module storage keys; a call's key is dropped a day after it was first seen:
 *   zadarma:call:<pbx_call_id>  ZadarmaCallState        the end's record and the recording, in either order
 *   zadarma:open-calls          [pbx_call_id, first seen][]  the calls that may still hold keys
 *   zadarma:callbacks           PendingCallback[]       our click-to-call requests awaiting their call
 *   zadarma:webhook-url         the URL registered with /v1/pbx/callinfo/url/
 */
import { HttpResponse, ConnectorError } from '../../contract/index.js';
import type {
  ConnectorContext,
  ConnectorDefinition,
  ModuleStorage,
  VoipGenerateCallResult,
  VoipWebhookParseResult,
} from '../../contract/index.js';
import { ZadarmaApiError, createZadarmaApi } from './zadarma-api.js';
import { parseUtcOffset, readZadarmaSettings, zadarmaRecordingHosts, zadarmaSettings } from './zadarma-settings.js';
import type { ZadarmaNotifyFields } from './zadarma-types.js';
import { callStartMs, notificationEvent, readZadarmaRequest, reduceCall } from './zadarma-webhook.js';
import type { ZadarmaCallData, ZadarmaCallState } from './zadarma-webhook.js';

export type { ZadarmaCallData } from './zadarma-webhook.js';

/** Recordings are stored within minutes (the PHP client waits ~40 s); a day is generous. */
const FORGET_CALLS_AFTER_MS = 24 * 3600_000;
/** How long after our callback request its NOTIFY_OUT_START may start (the extension rings first). */
const CALLBACK_WINDOW_MS = 120_000;
const OPEN_CALLS_KEY = 'zadarma:open-calls';
const CALLBACKS_KEY = 'zadarma:callbacks';

/** A click-to-call we asked for: the numbers `VoipGenerateCall` got and the digits sent to Zadarma. */
interface PendingCallback {
  src: string;
  dst: string;
  to: string;
  at: number;
}

export const zadarmaConnector: ConnectorDefinition = {
  id: 'zadarma',
  name: 'Zadarma / Novofon',
  docsUrl: 'docs/connectors/zadarma.md',
  settings: zadarmaSettings,
  hasWebhookUpdated: true,
  recordingHosts: zadarmaRecordingHosts,
  create(ctx) {
    const settings = () => readZadarmaSettings(ctx.settings);
    const api = () => createZadarmaApi(settings(), ctx.fetch);

    return {
      async VoipTestConnection() {
        try {
          const current = settings();
          const client = createZadarmaApi(current, ctx.fetch);
          await client.balance();
          const zone = (await client.timezone()).timezone;
          const offset = typeof zone === 'string' ? parseUtcOffset(zone) : undefined;
          if (offset !== undefined && offset !== current.utcOffsetMinutes) {
            return {
              success: false,
              failReason: `The credentials work, but the account's time zone is ${zone} and the connection says ${current.timeZone}: set "Time zone of the account" to ${zone}, or call times will be off.`,
            };
          }
          return { success: true };
        } catch (error) {
          if (error instanceof ConnectorError) return { success: false, failReason: error.message };
          throw error;
        }
      },

      async VoipGetMembers() {
        const client = api();
        const members = [];
        for (const extension of await client.extensions()) {
          let name = '';
          try {
            name = (await client.extensionInfo(extension)).name?.trim() ?? '';
          } catch (error) {
            // An extension deleted between the two requests has no info; it is still listed.
            if (!(error instanceof ZadarmaApiError && error.status === 404)) throw error;
          }
          members.push({
            id: extension,
            label: name && name !== extension ? `${name} (${extension})` : `Extension ${extension}`,
          });
        }
        return members;
      },

      async VoipParseWebhookRequest(request) {
        const current = settings();
        const input = readZadarmaRequest(request, current);
        if (!input.ok) {
          ctx.log.warn(`Refused a Zadarma notification: ${input.error}`, { method: request.method });
          return { response: input.response };
        }
        if (input.kind === 'echo') {
          ctx.log.info('Answered the zd_echo check of the notification URL');
          return { response: input.response };
        }
        if (input.kind === 'ignored') {
          ctx.log.debug('Ignored a Zadarma notification this connector does not handle', { event: input.event });
          return { response: new HttpResponse() };
        }
        const result = await applyNotification(ctx, input.payload, current.utcOffsetMinutes);
        if (input.payload.event === 'NOTIFY_START') {
          const answer = await callerAnswer(ctx, input.payload.caller_id ?? '', current.routeToOwner);
          if (answer) result.response = new HttpResponse().json(answer);
        }
        return result;
      },

      async VoipGenerateCall(srcPhone, dstPhone) {
        const extension = srcPhone.trim();
        const to = dstPhone.replace(/\D/g, '');
        if (!/^\d{1,5}$/.test(extension)) {
          throw new ConnectorError(
            'rejected',
            `Click-to-call needs your Zadarma PBX extension (3 digits, e.g. 100), not "${srcPhone}": map your user to an extension in the connection settings.`,
          );
        }
        if (!to) throw new ConnectorError('rejected', 'There is no number to call.');
        await rememberCallback(ctx, { src: srcPhone, dst: dstPhone, to, at: ctx.now().getTime() });
        await api().callback(extension, to);
        ctx.log.info('Zadarma callback requested: the extension rings first, then the number', { extension, to });
      },

      async VoipGetCallLink(callData) {
        const data = callData as Partial<ZadarmaCallData> | null | undefined;
        const recordId = typeof data?.recordId === 'string' ? data.recordId : undefined;
        if (!recordId) throw new ConnectorError('rejected', 'This call has no Zadarma recording.');
        const { recordingLinkLifetime } = settings();
        try {
          return await api().recordLink({ call_id: recordId }, recordingLinkLifetime);
        } catch (error) {
          if (error instanceof ZadarmaApiError && error.kind === 'rejected' && !data?.ready) {
            throw new ConnectorError('rejected', 'Zadarma is still storing this recording: try again in a minute.');
          }
          throw error;
        }
      },

      async VoipOnWebhookUpdated(webhookUrl) {
        const client = api();
        // Zadarma calls the URL with zd_echo before it accepts it; the hub answers that through this module.
        await client.setNotificationUrl(webhookUrl);
        await client.enableNotifications();
        await ctx.storage.setItem('zadarma:webhook-url', webhookUrl);
        ctx.log.info('Registered the notification URL with Zadarma and switched the call notifications on', {
          webhookUrl,
        });
      },
    };
  },
};

async function applyNotification(
  ctx: ConnectorContext,
  payload: ZadarmaNotifyFields,
  utcOffsetMinutes: number,
): Promise<VoipWebhookParseResult> {
  const response = new HttpResponse();
  const result: VoipWebhookParseResult = { response };
  const event = notificationEvent(payload, utcOffsetMinutes);
  if (event) result.event = event;

  if (payload.event === 'NOTIFY_OUT_START') {
    const matched = await takeCallback(ctx, payload, utcOffsetMinutes);
    if (matched) {
      ctx.log.info('Zadarma placed our click-to-call', { pbxCallId: payload.pbx_call_id, extension: payload.internal });
      result.generateCallResult = matched;
    }
  }
  if (payload.event === 'NOTIFY_END' || payload.event === 'NOTIFY_OUT_END' || payload.event === 'NOTIFY_RECORD') {
    const pbxCallId = payload.pbx_call_id ?? '';
    const key = `zadarma:call:${pbxCallId}`;
    const before = await load<ZadarmaCallState>(ctx.storage, key);
    const outcome = reduceCall(before, payload);
    await save(ctx.storage, key, outcome.state);
    if (!before) await trackOpenCall(ctx, pbxCallId);
    if (outcome.callRecord) result.callRecord = outcome.callRecord;
  }
  return result;
}

/**
 * The answer to NOTIFY_START, which may steer the call "on the fly" (PHP client lib/Webhook/Request.php):
 * the contact's name as the SIP caller name, and with `routeToOwner` a redirect to the owner's extension.
 */
async function callerAnswer(
  ctx: ConnectorContext,
  callerId: string,
  routeToOwner: boolean,
): Promise<{ caller_name: string; redirect?: string } | undefined> {
  const found = await ctx.lookupContact?.(callerId);
  if (!found) return undefined;
  const redirect =
    routeToOwner && /^\d{1,5}$/.test(found.responsibleExtension ?? '') ? found.responsibleExtension : undefined;
  if (redirect) ctx.log.info('Sent a known caller to their owner', { extension: redirect });
  return { caller_name: found.name.slice(0, 64), ...(redirect ? { redirect } : {}) };
}

/**
 * The click-to-call this NOTIFY_OUT_START carries out: ours for that extension and number, asked for at
 * most 2 minutes before the call started. The API gives no id, so this is the only link there is.
 */
async function takeCallback(
  ctx: ConnectorContext,
  payload: ZadarmaNotifyFields,
  utcOffsetMinutes: number,
): Promise<VoipGenerateCallResult | undefined> {
  const pending = (await load<PendingCallback[]>(ctx.storage, CALLBACKS_KEY)) ?? [];
  if (pending.length === 0) return undefined;
  const started = callStartMs(payload.call_start, utcOffsetMinutes);
  const destination = (payload.destination ?? '').replace(/\D/g, '');
  const found = pending.find(
    (c) =>
      c.src.trim() === (payload.internal ?? '').trim() &&
      c.to === destination &&
      started !== undefined &&
      // call_start has whole seconds: the request may be up to a second "after" it.
      started >= c.at - 1000 &&
      started - c.at <= CALLBACK_WINDOW_MS,
  );
  if (!found) return undefined;
  await save(
    ctx.storage,
    CALLBACKS_KEY,
    pending.filter((c) => c !== found),
  );
  return { srcPhone: found.src, dstPhone: found.dst, success: true };
}

async function rememberCallback(ctx: ConnectorContext, callback: PendingCallback): Promise<void> {
  const kept = ((await load<PendingCallback[]>(ctx.storage, CALLBACKS_KEY)) ?? []).filter(
    (c) => callback.at - c.at <= CALLBACK_WINDOW_MS,
  );
  await save(ctx.storage, CALLBACKS_KEY, [...kept, callback]);
}

/** Remembers when a call was first seen and forgets calls older than a day, so storage holds about a day of calls. */
async function trackOpenCall(ctx: ConnectorContext, pbxCallId: string): Promise<void> {
  const now = ctx.now().getTime();
  const open = new Map((await load<Array<[string, number]>>(ctx.storage, OPEN_CALLS_KEY)) ?? []);
  if (!open.has(pbxCallId)) open.set(pbxCallId, now);
  for (const [id, since] of open) {
    if (now - since <= FORGET_CALLS_AFTER_MS) continue;
    await ctx.storage.removeItem(`zadarma:call:${id}`);
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
