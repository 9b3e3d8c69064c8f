/**
 * Scripted calls as an ITooLabs PBX pushes them to the CRM URL: `contact` first for incoming calls (the
 * PBX waits for the answer and routes to `responsible`), per-user `event`s, then `history`. Field sets
 * from `brandup-online/megafon-ats` and the Gravitel README; the order from the event types' meaning
 * (no published sequence, providers.md §3.3). Pure: ids and the time come from the caller.
 */

export const ITOOLABS_SCENARIOS = [
  'incoming-answered',
  'incoming-missed',
  'group-ringing',
  'outgoing',
  'transfer',
  'recorded',
  'callback',
] as const;

export type ItoolabsScenarioName = (typeof ITOOLABS_SCENARIOS)[number];

export const ITOOLABS_SCENARIO_USERS: Record<ItoolabsScenarioName, number> = {
  'incoming-answered': 1,
  'incoming-missed': 1,
  'group-ringing': 2,
  outgoing: 1,
  transfer: 2,
  recorded: 1,
  callback: 1,
};

export interface ItoolabsScenarioUser {
  login: string;
  ext: string;
}

export interface ItoolabsScenarioSpec {
  name: ItoolabsScenarioName;
  client: string;
  /** The users, in the order they ring; `group-ringing`: the last answers; `transfer`: the first hands over to the second. */
  users: ItoolabsScenarioUser[];
  /** Our number (`diversion`). */
  did: string;
  callId: string;
  /** `YYYYmmddTHHMMSSZ`. */
  start: string;
  /** The recording's URL for `recorded`. */
  recordUrl: string;
  /** The tenant written after logins in history (`anna@acme.megapbx.ru`). */
  tenant: string;
}

/** One push's fields, without `crm_token` (the emulator adds it). */
export type ItoolabsScriptedPush = Record<string, string> & { cmd: string };

export interface ItoolabsScript {
  callId: string;
  pushes: ItoolabsScriptedPush[];
  /** What the history API lists for this call afterwards. */
  history: { type: string; status: string; client: string; account: string; duration: number; record: string };
}

export function buildItoolabsScenario(spec: ItoolabsScenarioSpec): ItoolabsScript {
  const need = ITOOLABS_SCENARIO_USERS[spec.name];
  if (spec.users.length < need)
    throw new Error(`Scenario "${spec.name}" needs ${need} user(s), got ${spec.users.length}`);
  const pushes: ItoolabsScriptedPush[] = [];
  const [a, b] = spec.users as [ItoolabsScenarioUser, ItoolabsScenarioUser];
  const call = { phone: spec.client, diversion: spec.did, callid: spec.callId };
  const event = (type: string, user: ItoolabsScenarioUser, direction: 'in' | 'out') =>
    pushes.push({ cmd: 'event', type, ...call, user: user.login, ext: user.ext, telnum: '', direction });
  const history = (type: 'in' | 'out', status: string, user: ItoolabsScenarioUser, duration: number, link = '') => {
    pushes.push({
      cmd: 'history',
      type,
      status,
      ...call,
      user: user.login,
      ext: user.ext,
      start: spec.start,
      duration: String(duration),
      link,
    });
    return { type, status, client: spec.client, account: `${user.login}@${spec.tenant}`, duration, record: link };
  };
  let summary: ItoolabsScript['history'];
  switch (spec.name) {
    case 'incoming-answered':
    case 'recorded':
      event('INCOMING', a, 'in');
      event('ACCEPTED', a, 'in');
      event('COMPLETED', a, 'in');
      summary = history('in', 'Success', a, 42, spec.name === 'recorded' ? spec.recordUrl : '');
      break;
    case 'incoming-missed':
      event('INCOMING', a, 'in');
      event('CANCELLED', a, 'in');
      // Status case differs between PBX versions: `missed` here, `Success` elsewhere (§3.3).
      summary = history('in', 'missed', a, 0);
      break;
    case 'group-ringing': {
      const answerer = spec.users[spec.users.length - 1] as ItoolabsScenarioUser;
      for (const user of spec.users) event('INCOMING', user, 'in');
      event('ACCEPTED', answerer, 'in');
      for (const user of spec.users.slice(0, -1)) event('CANCELLED', user, 'in');
      event('COMPLETED', answerer, 'in');
      summary = history('in', 'Success', answerer, 61);
      break;
    }
    case 'transfer':
      event('INCOMING', a, 'in');
      event('ACCEPTED', a, 'in');
      event('INCOMING', b, 'in');
      event('TRANSFERRED', a, 'in');
      event('ACCEPTED', b, 'in');
      event('COMPLETED', b, 'in');
      summary = history('in', 'Success', b, 92);
      break;
    case 'outgoing':
    case 'callback':
      // makeCall rings the user's own phone first, then the client; the CRM sees the user's outgoing call.
      event('OUTGOING', a, 'out');
      event('ACCEPTED', a, 'out');
      event('COMPLETED', a, 'out');
      summary = history('out', 'Success', a, spec.name === 'callback' ? 40 : 30);
      break;
  }
  return { callId: spec.callId, pushes, history: summary };
}
