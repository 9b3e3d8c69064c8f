/**
 * Scripted calls as Zadarma would notify them: the field sets of the PHP client's `lib/Webhook/*.php`
 * and the TS client's `types.ts`, every value a string, in the order the events' meaning implies
 * (Zadarma documents no sequence; providers.md §2.2). Pure: ids and the start time come from the caller.
 */

export const ZADARMA_SCENARIOS = [
  'incoming-answered',
  'incoming-missed',
  'group-ringing',
  'outgoing',
  'outgoing-busy',
  'recorded',
  'callback',
] as const;

export type ZadarmaScenarioName = (typeof ZADARMA_SCENARIOS)[number];

/** How many extensions each scenario needs. */
export const ZADARMA_SCENARIO_EXTENSIONS: Record<ZadarmaScenarioName, number> = {
  'incoming-answered': 1,
  'incoming-missed': 1,
  'group-ringing': 2,
  outgoing: 1,
  'outgoing-busy': 1,
  recorded: 1,
  callback: 1,
};

export interface ZadarmaScenarioSpec {
  name: ZadarmaScenarioName;
  /** The external number, digits in international format. */
  client: string;
  /** For `group-ringing` the last one answers. */
  extensions: string[];
  /** Our number (`called_did`, and the caller id of outgoing calls). */
  did: string;
  /** The call's start as Zadarma writes it: "YYYY-MM-DD HH:MM:SS" in the account's zone. */
  callStart: string;
  /** A fresh hex id. */
  newId: () => string;
  /** The call's id; default `in_`/`out_` and a fresh id. */
  pbxCallId?: string;
}

export type ZadarmaScriptedNotification = Record<string, string> & { event: string };

export interface ZadarmaScript {
  pbxCallId: string;
  notifications: ZadarmaScriptedNotification[];
  /** `call_id_with_rec` of the recordings made; the emulator serves them from `/v1/pbx/record/request/`. */
  recordings: string[];
}

export function buildZadarmaScenario(spec: ZadarmaScenarioSpec): ZadarmaScript {
  const need = ZADARMA_SCENARIO_EXTENSIONS[spec.name];
  if (spec.extensions.length < need) {
    throw new Error(`Scenario "${spec.name}" needs ${need} extension(s), got ${spec.extensions.length}`);
  }
  const outgoing = spec.name === 'outgoing' || spec.name === 'outgoing-busy' || spec.name === 'callback';
  const pbxCallId = spec.pbxCallId ?? `${outgoing ? 'out' : 'in'}_${spec.newId()}`;
  const notifications: ZadarmaScriptedNotification[] = [];
  const recordings: string[] = [];
  const [a = '', b = ''] = spec.extensions;
  const base = { call_start: spec.callStart, pbx_call_id: pbxCallId };
  const incoming = { ...base, caller_id: spec.client, called_did: spec.did };
  const push = (event: string, fields: Record<string, string>) => notifications.push({ event, ...fields });
  const end = (internal: string, disposition: string, duration: number, recordId = '') =>
    push('NOTIFY_END', {
      ...incoming,
      internal,
      duration: String(duration),
      disposition,
      status_code: disposition === 'answered' || disposition === 'cancel' ? '16' : '17',
      is_recorded: recordId ? '1' : '0',
      call_id_with_rec: recordId,
    });
  const outEnd = (internal: string, disposition: string, duration: number) =>
    push('NOTIFY_OUT_END', {
      ...base,
      caller_id: spec.did,
      destination: spec.client,
      internal,
      duration: String(duration),
      disposition,
      status_code: disposition === 'answered' ? '16' : '17',
      is_recorded: '0',
      call_id_with_rec: '',
    });
  const answered = (ext: string) => {
    push('NOTIFY_START', incoming);
    push('NOTIFY_INTERNAL', { ...incoming, internal: ext });
    push('NOTIFY_ANSWER', { ...base, caller_id: spec.client, destination: ext, internal: ext });
  };

  switch (spec.name) {
    case 'incoming-answered':
      answered(a);
      end(a, 'answered', 42);
      break;
    case 'incoming-missed':
      push('NOTIFY_START', incoming);
      push('NOTIFY_INTERNAL', { ...incoming, internal: a });
      end(a, 'cancel', 0);
      break;
    case 'group-ringing': {
      push('NOTIFY_START', incoming);
      for (const ext of spec.extensions) push('NOTIFY_INTERNAL', { ...incoming, internal: ext });
      const answerer = spec.extensions[spec.extensions.length - 1] ?? b;
      push('NOTIFY_ANSWER', { ...base, caller_id: spec.client, destination: answerer, internal: answerer });
      end(answerer, 'answered', 61);
      break;
    }
    case 'outgoing':
    case 'callback':
      // A callback rings the extension first; the PBX reports the leg to the number as the extension's
      // outgoing call (API "request/callback": `from` is called first, then `to`).
      push('NOTIFY_OUT_START', { ...base, internal: a, destination: spec.client });
      outEnd(a, 'answered', spec.name === 'callback' ? 40 : 30);
      break;
    case 'outgoing-busy':
      push('NOTIFY_OUT_START', { ...base, internal: a, destination: spec.client });
      outEnd(a, 'busy', 0);
      break;
    case 'recorded': {
      // The recorded leg's id as Zadarma names its files: <n>-<unix time>.<seq>-<ext>-<date>-<time>.
      const day = spec.callStart.slice(0, 10);
      const recordId = `1-${spec.newId().slice(0, 10)}.${spec.newId().slice(0, 6)}-${a}-${day}-${spec.callStart.slice(11).replace(/:/g, '')}`;
      recordings.push(recordId);
      answered(a);
      end(a, 'answered', 42, recordId);
      push('NOTIFY_RECORD', { call_id_with_rec: recordId, pbx_call_id: pbxCallId });
      break;
    }
  }
  return { pbxCallId, notifications, recordings };
}
