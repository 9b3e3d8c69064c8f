/**
 * Mango Office virtual PBX ("API Виртуальной АТС", VPBX API v1.9).
 * Vendor docs: the VPBX API PDF, linked from
 * https://retail.mango-office.ru/support/integratsiya-api/spisok_integratsiy/obshchie_voprosy_po_api_vats_mango_office/
 * Admin setup: docs/connectors/mango-office.md
 *
 * Quirks:
 * - Every request, both ways, is a form post {vpbx_api_key, sign, json} with
 *   sign = sha256(key + json + salt) over the exact json string (§2.4.3).
 * - One call (`entry_id`) is many legs (`call_id`): IVR, queue, one per employee rung, transfer legs.
 *   Notifications are sent in parallel without waiting for us, so they arrive out of order; each leg's
 *   `seq` orders them and a lower one is dropped (§3.1.2).
 * - A callback rings the employee first, then dials the client in a second leg (PDF p.329).
 * - Recordings: notifications carry no link. `/queries/recording/post` answers 302 to a single-use link,
 *   and only after `/events/record/added` (§3.1.8, §3.5.1).
 * - The employee list may be read once per 2 s (§1.4.2): VoipGetMembers retries once, 2 s after a 429.
 *
 * Module storage keys; a call's keys are dropped a day after it was first seen:
 *   mango:leg:<call_id>    MangoLegState             the leg's last seq, so late duplicates stay recognisable
 *   mango:legs:<entry_id>  call_id[]                 the call's legs, to drop them
 *   mango:call:<entry_id>  MangoEntryState           the summary and the recording, which arrive in either order
 *   mango:open-calls       [entry_id, first seen][]  the calls that may still hold keys
 *   mango:commands         [command_id, {src, dst, at}][]  our callbacks awaiting /result/callback (an hour)
 *   mango:webhook-url      the URL to paste into Mango's cabinet
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ConnectorError, HttpResponse } from '../../contract/index.js';
import type {
  ConnectorContext,
  ConnectorDefinition,
  ModuleStorage,
  VoipMember,
  VoipWebhookParseResult,
} from '../../contract/index.js';
import { MangoApiError, createMangoApi, isMangoSuccess, mangoResultError } from './mango-office-api.js';
import { mangoOfficeSettings, mangoRecordingHosts, readMangoSettings } from './mango-office-settings.js';
import type { MangoUser } from './mango-office-types.js';
import {
  MANGO_CALLBACK_PREFIX,
  readMangoNotification,
  reduceCallEvent,
  reduceEntry,
  summaryToRecord,
  toInt,
} from './mango-office-webhook.js';
import type {
  MangoCallData,
  MangoEntryChange,
  MangoEntryState,
  MangoLegState,
  MangoNotification,
} from './mango-office-webhook.js';

export type { MangoCallData } from './mango-office-webhook.js';

/** Mango allows one employee-list request per 2 seconds per product (§1.4.2). */
const USERS_RETRY_MS = 2000;
/** Recordings reach the cloud within minutes (§3.1.8); a day is generous. */
const FORGET_CALLS_AFTER_MS = 24 * 3600_000;
const OPEN_CALLS_KEY = 'mango:open-calls';
const COMMANDS_KEY = 'mango:commands';
/** Mango answers a command within seconds; after an hour the result is not waited for. */
const FORGET_COMMANDS_AFTER_MS = 3600_000;

/** A callback we asked for: the numbers `VoipGenerateCall` got, so its result can name the request. */
interface PendingCommand {
  src: string;
  dst: string;
  at: number;
}

export const mangoOfficeConnector: ConnectorDefinition = {
  id: 'mango-office',
  name: 'Mango Office',
  docsUrl: 'docs/connectors/mango-office.md',
  settings: mangoOfficeSettings,
  hasWebhookUpdated: true,
  recordingHosts: mangoRecordingHosts,
  create(ctx) {
    const api = () => createMangoApi(readMangoSettings(ctx.settings), ctx.fetch);

    return {
      async VoipTestConnection() {
        try {
          await api().balance();
          return { success: true };
        } catch (error) {
          if (error instanceof ConnectorError) return { success: false, failReason: error.message };
          throw error;
        }
      },

      async VoipGetMembers() {
        const client = api();
        let users: MangoUser[];
        try {
          users = await client.users();
        } catch (error) {
          if (!(error instanceof ConnectorError && error.kind === 'rate_limited')) throw error;
          await delay(USERS_RETRY_MS, undefined, { signal: ctx.signal });
          users = await client.users();
        }
        return users.flatMap(toMember);
      },

      async VoipParseWebhookRequest(request) {
        const input = readMangoNotification(request, readMangoSettings(ctx.settings));
        if (!input.ok) {
          ctx.log.warn(`Refused a Mango notification: ${input.error}`, { path: request.path });
          return { response: input.response };
        }
        return applyNotification(ctx, input.notification);
      },

      async VoipGenerateCall(srcPhone, dstPhone) {
        const extension = srcPhone.trim();
        // Plain phone numbers go as digits; SIP addresses and extensions go as they are.
        const toNumber = /^[\d\s()+-]+$/.test(dstPhone) ? dstPhone.replace(/\D/g, '') : dstPhone.trim();
        if (!extension) {
          throw new ConnectorError(
            'rejected',
            'Click-to-call needs your Mango extension: map your user to an extension in the connection settings.',
          );
        }
        if (!toNumber) throw new ConnectorError('rejected', 'There is no number to call.');
        const commandId = `${MANGO_CALLBACK_PREFIX}${randomUUID()}`;
        await rememberCommand(ctx, commandId, { src: srcPhone, dst: dstPhone, at: ctx.now().getTime() });
        await api().callback({ command_id: commandId, from: { extension }, to_number: toNumber });
        ctx.log.info('Mango callback requested: the employee rings first, then the client', { commandId, extension });
      },

      async VoipGetCallLink(callData) {
        const data = callData as Partial<MangoCallData> | null | undefined;
        const recordingId = typeof data?.recordingId === 'string' ? data.recordingId : undefined;
        if (!recordingId) throw new ConnectorError('rejected', 'This call has no Mango Office recording.');
        try {
          return await api().recordingLink(recordingId);
        } catch (error) {
          if (error instanceof MangoApiError && error.code === 3320 && !data?.playable) {
            throw new ConnectorError(
              'rejected',
              'Mango Office is still storing this recording: try again in a minute.',
            );
          }
          throw error;
        }
      },

      async VoipOnWebhookUpdated(webhookUrl) {
        // Mango has no API to set the notification address: the admin pastes it into the cabinet.
        await ctx.storage.setItem('mango:webhook-url', webhookUrl);
        ctx.log.info('Paste the new webhook URL into Mango Office → Integrations → API connector', { webhookUrl });
      },
    };
  },
};

async function applyNotification(
  ctx: ConnectorContext,
  notification: MangoNotification,
): Promise<VoipWebhookParseResult> {
  const response = new HttpResponse();
  switch (notification.kind) {
    case 'call': {
      const { entry_id: entryId, call_id: callId } = notification.payload;
      const legKey = `mango:leg:${callId}`;
      const leg = await load<MangoLegState>(ctx.storage, legKey);
      const outcome = reduceCallEvent(notification.payload, leg);
      if (!outcome.leg) {
        ctx.log.debug('Dropped a stale or repeated Mango call notification', { callId, seq: notification.payload.seq });
        return { response };
      }
      await save(ctx.storage, legKey, outcome.leg);
      if (!leg) {
        const legsKey = `mango:legs:${entryId}`;
        const legs = (await load<string[]>(ctx.storage, legsKey)) ?? [];
        await save(ctx.storage, legsKey, [...legs, callId]);
        if (legs.length === 0) await trackOpenCall(ctx, entryId);
      }
      return outcome.event ? { event: outcome.event, response } : { response };
    }
    case 'summary':
      // The legs stay until the call expires: a late duplicate must still be recognised as one.
      return {
        ...(await applyEntryChange(ctx, notification.payload.entry_id, {
          record: summaryToRecord(notification.payload),
        })),
        response,
      };
    case 'recording':
      return {
        ...(await applyEntryChange(ctx, notification.payload.entry_id, { recording: notification.payload })),
        response,
      };
    case 'record-added':
      return {
        ...(await applyEntryChange(ctx, notification.payload.entry_id, { recordAdded: notification.payload })),
        response,
      };
    case 'result': {
      const code = toInt(notification.payload.result);
      const details = { command: notification.command, commandId: notification.payload.command_id };
      const success = code !== undefined && isMangoSuccess(code);
      const failReason = code === undefined ? 'Mango sent no result code' : mangoResultError(code).message;
      if (success) ctx.log.info(`Mango performed ${notification.command}`, details);
      else ctx.log.warn(`Mango did not perform ${notification.command}: ${failReason}`, details);
      const command = await takeCommand(ctx, String(notification.payload.command_id ?? ''));
      if (!command || notification.command !== 'callback') return { response };
      const result = { srcPhone: command.src, dstPhone: command.dst, success };
      return { response, generateCallResult: success ? result : { ...result, failReason } };
    }
    case 'other':
      ctx.log.debug('Ignored a Mango request on a path we do not handle', { path: notification.path });
      return { response };
  }
}

async function applyEntryChange(
  ctx: ConnectorContext,
  entryId: string,
  change: MangoEntryChange,
): Promise<VoipWebhookParseResult> {
  const key = `mango:call:${entryId}`;
  const before = await load<MangoEntryState>(ctx.storage, key);
  const outcome = reduceEntry(entryId, before, change);
  await save(ctx.storage, key, outcome.state);
  if (!before) await trackOpenCall(ctx, entryId);
  return outcome.callRecord ? { callRecord: outcome.callRecord } : {};
}

/**
 * Remembers when a call was first seen and forgets calls older than a day, so storage holds about a
 * day of calls: long enough for late and repeated notifications and for the recording to be stored (§3.1.8).
 */
async function trackOpenCall(ctx: ConnectorContext, entryId: string): Promise<void> {
  const now = ctx.now().getTime();
  const open = new Map((await load<Array<[string, number]>>(ctx.storage, OPEN_CALLS_KEY)) ?? []);
  if (!open.has(entryId)) open.set(entryId, now);
  for (const [id, since] of open) {
    if (now - since <= FORGET_CALLS_AFTER_MS) continue;
    await forgetLegs(ctx.storage, id);
    await ctx.storage.removeItem(`mango:call:${id}`);
    open.delete(id);
  }
  await save(ctx.storage, OPEN_CALLS_KEY, [...open]);
}

async function rememberCommand(ctx: ConnectorContext, commandId: string, command: PendingCommand): Promise<void> {
  const now = ctx.now().getTime();
  const pending = ((await load<Array<[string, PendingCommand]>>(ctx.storage, COMMANDS_KEY)) ?? []).filter(
    ([, kept]) => now - kept.at <= FORGET_COMMANDS_AFTER_MS,
  );
  await save(ctx.storage, COMMANDS_KEY, [...pending, [commandId, command]]);
}

/** The callback a result is about, forgotten once its result came; undefined for one we did not send. */
async function takeCommand(ctx: ConnectorContext, commandId: string): Promise<PendingCommand | undefined> {
  const pending = (await load<Array<[string, PendingCommand]>>(ctx.storage, COMMANDS_KEY)) ?? [];
  const found = pending.find(([id]) => id === commandId);
  if (found)
    await save(
      ctx.storage,
      COMMANDS_KEY,
      pending.filter(([id]) => id !== commandId),
    );
  return found?.[1];
}

async function forgetLegs(storage: ModuleStorage, entryId: string): Promise<void> {
  const legsKey = `mango:legs:${entryId}`;
  for (const callId of (await load<string[]>(storage, legsKey)) ?? []) await storage.removeItem(`mango:leg:${callId}`);
  await storage.removeItem(legsKey);
}

function toMember(user: MangoUser): VoipMember[] {
  const extension = user.telephony?.extension;
  // An employee without an extension cannot take calls through the API, so there is nothing to map.
  if (extension === undefined || extension === null || String(extension).trim() === '') return [];
  const id = String(extension).trim();
  const name = user.general?.name?.trim() || `Extension ${id}`;
  const department = user.general?.department?.trim();
  return [{ id, label: department ? `${name} (${department})` : name }];
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
