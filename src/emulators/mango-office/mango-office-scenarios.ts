/**
 * Scripted calls as Mango would notify them: the field sets and leg shapes of VPBX API v1.9 §3.1.2–§3.1.8
 * and the PDF's "Примеры поведения" (pp. 328-340). Pure: ids and the start time come from the caller.
 */

export const MANGO_SCENARIOS = [
  'incoming-answered',
  'incoming-missed',
  'group-ringing',
  'outgoing',
  'internal',
  'consultative-transfer',
  'blind-transfer',
  'recorded',
  'callback',
] as const;

export type MangoScenarioName = (typeof MANGO_SCENARIOS)[number];

/** How many employees each scenario needs. */
export const MANGO_SCENARIO_EXTENSIONS: Record<MangoScenarioName, number> = {
  'incoming-answered': 1,
  'incoming-missed': 1,
  'group-ringing': 2,
  outgoing: 1,
  internal: 2,
  'consultative-transfer': 2,
  'blind-transfer': 2,
  recorded: 1,
  callback: 1,
};

export interface MangoScenarioSpec {
  name: MangoScenarioName;
  /** The external party's number (for `callback`, the number called: it may be a staff extension). */
  client: string;
  /** The employees, in the order they appear; for `group-ringing` the last one answers. */
  extensions: string[];
  /** The PBX line the call comes in or goes out on. */
  line: string;
  /** Unix seconds at the call's start. */
  startAt: number;
  /** Each employee's device: what Mango puts in `number` next to `extension`. */
  deviceOf: (extension: string) => string;
  /** Whether a number is a staff extension (a callback to a colleague is an internal call). */
  isExtension: (number: string) => boolean;
  newId: () => string;
  /** Echoed in every leg of a `callback`; a callback played without a command has none. */
  commandId?: string;
}

export interface MangoScriptedNotification {
  path: string;
  payload: Record<string, unknown>;
}

export interface MangoScript {
  entryId: string;
  notifications: MangoScriptedNotification[];
  /** Recordings made during the call; the emulator serves them from `/queries/recording/post`. */
  recordingIds: string[];
}

type Party = Record<string, unknown>;

export function buildScenario(spec: MangoScenarioSpec): MangoScript {
  const need = MANGO_SCENARIO_EXTENSIONS[spec.name];
  if (spec.extensions.length < need) {
    throw new Error(`Scenario "${spec.name}" needs ${need} extension(s), got ${spec.extensions.length}`);
  }
  const entryId = spec.newId();
  const notifications: MangoScriptedNotification[] = [];
  const recordingIds: string[] = [];
  const at = (offset: number) => spec.startAt + offset;
  const [a = '', b = ''] = spec.extensions;
  const client: Party = { number: spec.client };
  const employee = (ext: string): Party => ({ extension: ext, number: spec.deviceOf(ext) });
  const rung = (ext: string): Party => ({ ...employee(ext), line_number: spec.line });

  const leg = (location = 'abonent', extra: Record<string, unknown> = {}) => {
    const callId = spec.newId();
    let seq = 0;
    return {
      callId,
      send(state: string, offset: number, from: Party, to: Party, more: Record<string, unknown> = {}) {
        notifications.push({
          path: '/events/call',
          payload: {
            entry_id: entryId,
            call_id: callId,
            timestamp: at(offset),
            seq: ++seq,
            call_state: state,
            location,
            from,
            to,
            ...more,
            ...extra,
          },
        });
      },
    };
  };
  const end = (reason: number) => ({ disconnect_reason: reason });
  const summary = (
    direction: 0 | 1 | 2,
    from: Party,
    to: Party,
    times: { forward: number; talk?: number; end: number },
    reason: number,
  ) => {
    const talked = times.talk !== undefined;
    notifications.push({
      path: '/events/summary',
      payload: {
        entry_id: entryId,
        call_direction: direction,
        from,
        to,
        ...(direction === 0 ? {} : { line_number: spec.line }),
        create_time: at(0),
        forward_time: talked ? at(times.forward) : 0,
        talk_time: talked ? at(times.talk ?? 0) : 0,
        end_time: at(times.end),
        entry_result: talked ? 1 : 0,
        disconnect_reason: reason,
      },
    });
  };
  const incomingAnswered = () => {
    const l = leg();
    l.send('Appeared', 1, client, rung(a));
    l.send('Connected', 6, client, rung(a));
    return l;
  };

  switch (spec.name) {
    case 'incoming-answered': {
      incomingAnswered().send('Disconnected', 48, client, rung(a), end(1110));
      summary(1, client, employee(a), { forward: 1, talk: 6, end: 48 }, 1110);
      break;
    }
    case 'incoming-missed': {
      const l = leg();
      l.send('Appeared', 1, client, rung(a));
      l.send('Disconnected', 21, client, rung(a), end(1110));
      summary(1, client, employee(a), { forward: 1, end: 21 }, 1110);
      break;
    }
    case 'group-ringing': {
      const ivr = leg('ivr');
      const line: Party = { number: spec.line, line_number: spec.line };
      ivr.send('Appeared', 0, client, line);
      ivr.send('Disconnected', 4, client, line, end(1100));
      const group = (ext: string): Party => ({ ...rung(ext), acd_group: '500' });
      const legs = spec.extensions.map((ext) => ({ ext, l: leg() }));
      for (const { ext, l } of legs) l.send('Appeared', 4, client, group(ext));
      const answerer = legs[legs.length - 1];
      answerer?.l.send('Connected', 9, client, group(answerer.ext));
      for (const { ext, l } of legs.slice(0, -1)) l.send('Disconnected', 9, client, group(ext), end(1182));
      answerer?.l.send('Disconnected', 70, client, group(answerer.ext), end(1110));
      summary(1, client, employee(answerer?.ext ?? a), { forward: 4, talk: 9, end: 70 }, 1110);
      break;
    }
    case 'outgoing': {
      const l = leg();
      l.send('Appeared', 0, employee(a), client);
      l.send('Connected', 7, employee(a), client);
      l.send('Disconnected', 37, employee(a), client, end(1120));
      summary(2, employee(a), client, { forward: 0, talk: 7, end: 37 }, 1120);
      break;
    }
    case 'internal': {
      const l = leg();
      l.send('Appeared', 0, employee(a), employee(b));
      l.send('Connected', 4, employee(a), employee(b));
      l.send('Disconnected', 64, employee(a), employee(b), end(1120));
      summary(0, employee(a), employee(b), { forward: 0, talk: 4, end: 64 }, 1120);
      break;
    }
    case 'consultative-transfer': {
      // PDF pp. 334-337: A holds the client, consults B, hangs up; B's leg gets a second Connected with the client.
      const first = incomingAnswered();
      first.send('OnHold', 35, client, rung(a));
      const consult = leg();
      const fromA = { ...employee(a), taken_from_call_id: first.callId };
      consult.send('Appeared', 36, fromA, employee(b));
      consult.send('Connected', 40, fromA, employee(b));
      first.send('Disconnected', 60, client, rung(a), end(1120));
      const handedOver = { ...client, taken_from_call_id: first.callId };
      consult.send('Connected', 60, handedOver, employee(b));
      consult.send('Disconnected', 120, handedOver, employee(b), end(1110));
      summary(1, client, employee(a), { forward: 1, talk: 6, end: 120 }, 1110);
      break;
    }
    case 'blind-transfer': {
      // PDF pp. 337-340: A holds the client, dials B and hangs up; B's ringing leg is re-announced with the client.
      const first = incomingAnswered();
      first.send('OnHold', 30, client, rung(a));
      const transfer = leg();
      transfer.send('Appeared', 31, employee(a), employee(b));
      first.send('Disconnected', 33, client, rung(a), end(1120));
      const handedOver = { ...client, taken_from_call_id: first.callId };
      transfer.send('Appeared', 33, handedOver, employee(b));
      transfer.send('Connected', 38, handedOver, employee(b));
      transfer.send('Disconnected', 98, handedOver, employee(b), end(1110));
      summary(1, client, employee(a), { forward: 1, talk: 6, end: 98 }, 1110);
      break;
    }
    case 'recorded': {
      const l = incomingAnswered();
      const recordingId = spec.newId();
      recordingIds.push(recordingId);
      const recording = (seq: number, state: string, offset: number, more: Record<string, unknown> = {}) =>
        notifications.push({
          path: '/events/recording',
          payload: {
            recording_id: recordingId,
            recording_state: state,
            seq,
            entry_id: entryId,
            call_id: l.callId,
            extension: a,
            timestamp: at(offset),
            ...more,
          },
        });
      recording(1, 'Started', 6);
      l.send('Disconnected', 48, client, rung(a), end(1110));
      recording(2, 'Completed', 48, { completion_code: 1000, recipient: 'Cloud' });
      summary(1, client, employee(a), { forward: 1, talk: 6, end: 48 }, 1110);
      notifications.push({
        path: '/events/record/added',
        payload: {
          entry_id: entryId,
          product_id: 300022532,
          user_id: 300049012,
          timestamp: at(75),
          recording_id: recordingId,
        },
      });
      break;
    }
    case 'callback': {
      // PDF pp. 329-331: the employee's leg first (the called party in `from`), then the leg to the client.
      // callback_initiator is documented (§3.1.2, field 15) though the PDF's older example omits it.
      const command = { ...(spec.commandId ? { command_id: spec.commandId } : {}), callback_initiator: 'API' };
      const target: Party = spec.isExtension(spec.client) ? employee(spec.client) : client;
      const ringEmployee = leg('abonent', command);
      ringEmployee.send('Appeared', 0, target, employee(a));
      ringEmployee.send('Connected', 4, target, employee(a));
      ringEmployee.send('Disconnected', 5, target, employee(a), end(1000));
      const dialClient = leg('abonent', command);
      const fromA = { ...employee(a), taken_from_call_id: ringEmployee.callId };
      dialClient.send('Appeared', 5, fromA, target);
      dialClient.send('Connected', 12, fromA, target);
      dialClient.send('Disconnected', 52, fromA, target, end(1120));
      summary(spec.isExtension(spec.client) ? 0 : 2, employee(a), target, { forward: 0, talk: 12, end: 52 }, 1120);
      break;
    }
  }
  return { entryId, notifications, recordingIds };
}

export type { DeliveryOptions as MangoDeliveryOptions } from '../delivery-order.js';
export { arrangeDelivery } from '../delivery-order.js';
