/**
 * Signed Mango Office notifications from the emulator's call scenarios, endlessly: every leg and the
 * summary of each call, in the order Mango sends them, spread over the hub's connections by call.
 */
import { createHash } from 'node:crypto';
import {
  buildScenario,
  MANGO_SCENARIO_EXTENSIONS,
  type MangoScenarioName,
} from '../src/emulators/mango-office/mango-office-scenarios.js';

export const MANGO_KEY = 'bench-vpbx-key';
export const MANGO_SALT = 'bench-vpbx-salt';

/** An office's day: mostly incoming calls, some missed, group ringing, transfers and outgoing calls. */
export const OFFICE_MIX: MangoScenarioName[] = [
  'incoming-answered',
  'incoming-missed',
  'group-ringing',
  'outgoing',
  'incoming-answered',
  'blind-transfer',
  'incoming-missed',
  'consultative-transfer',
  'internal',
  'incoming-answered',
];

export interface SignedNotification {
  /** The connection's webhook path with Mango's sub-path, e.g. /hooks/<id>/<token>/events/call. */
  path: string;
  body: string;
  /** Mango's `entry_id`: the hub's external id of the call. */
  entryId: string;
  /** The employee the notification rings, when it is a ringing leg (`Appeared` to an extension). */
  rings?: string;
}

export interface TrafficOptions {
  /** Webhook paths of the connections (`/hooks/<id>/<token>`); a call goes to one of them. */
  hooks: string[];
  /** The extensions bound to agents. */
  extensions: string[];
  /** Unix seconds of the first call; later calls start a second apart. */
  startAt?: number;
  /** The scenarios played in turn; default: an office's day. */
  mix?: MangoScenarioName[];
}

export function signMango(json: string): string {
  return createHash('sha256')
    .update(MANGO_KEY + json + MANGO_SALT)
    .digest('hex');
}

export function formBody(json: string): string {
  return new URLSearchParams({ vpbx_api_key: MANGO_KEY, sign: signMango(json), json }).toString();
}

/** An endless source of notifications; `next()` returns the next one to send. */
export function mangoTraffic(options: TrafficOptions): { next(): SignedNotification; calls(): number } {
  const { hooks, extensions, mix = OFFICE_MIX } = options;
  const startAt = options.startAt ?? Math.floor(Date.now() / 1000);
  let calls = 0;
  let ids = 0;
  let queue: SignedNotification[] = [];
  let at = 0;

  const refill = () => {
    const name = mix[calls % mix.length] as MangoScenarioName;
    const need = MANGO_SCENARIO_EXTENSIONS[name];
    const first = (calls * 7) % extensions.length;
    const staff = Array.from({ length: need }, (_, n) => extensions[(first + n) % extensions.length] as string);
    const hook = hooks[calls % hooks.length] as string;
    const script = buildScenario({
      name,
      client: `7916${String(1_000_000 + (calls % 9_000_000)).padStart(7, '0')}`,
      extensions: staff,
      line: '74950000000',
      startAt: startAt + calls,
      deviceOf: (extension) => `sip:${extension}@bench.mangosip.ru`,
      isExtension: (number) => extensions.includes(number),
      newId: () => `bench-${startAt}-${++ids}`,
    });
    calls++;
    queue = script.notifications.map(({ path, payload }) => {
      const json = JSON.stringify(payload);
      const to = payload.to as { extension?: string } | undefined;
      const rings = payload.call_state === 'Appeared' && to?.extension ? to.extension : undefined;
      return { path: hook + path, body: formBody(json), entryId: script.entryId, ...(rings ? { rings } : {}) };
    });
    at = 0;
  };

  return {
    next() {
      if (at >= queue.length) refill();
      return queue[at++] as SignedNotification;
    },
    calls: () => calls,
  };
}

/**
 * Only the notifications that ring an agent (each call's first leg), so every webhook is a popup. A call's
 * later notifications are left out: sent concurrently they could overtake its ringing one, which the
 * connector then drops as older than what it applied (Mango's `seq`), as it must.
 */
export function ringingOnly(traffic: { next(): SignedNotification }): () => SignedNotification {
  return () => {
    for (;;) {
      const notification = traffic.next();
      if (notification.rings) return notification;
    }
  };
}
