/**
 * Scripted calls as Asterisk 16+ reports them over AMI: the channel fields of AMI_Events (Newchannel,
 * Newstate, DialBegin, DialEnd, BridgeEnter, BridgeLeave, BlindTransfer, AttendedTransfer, MixMonitorStart,
 * Hangup, Cdr) with one Linkedid per call, `<tech>/<resource>-<8 hex>` channel names and Q.850 causes.
 * Pure: the clock and ids come from the caller.
 */

export const ASTERISK_SCENARIOS = [
  'incoming-answered',
  'incoming-missed',
  'group-ringing',
  'outgoing',
  'internal',
  'blind-transfer',
  'attended-transfer',
  'recorded',
  'dropped-connection',
] as const;

export type AsteriskScenarioName = (typeof ASTERISK_SCENARIOS)[number];

/** How many extensions each scenario needs. */
export const ASTERISK_SCENARIO_EXTENSIONS: Record<AsteriskScenarioName, number> = {
  'incoming-answered': 1,
  'incoming-missed': 1,
  'group-ringing': 2,
  outgoing: 1,
  internal: 2,
  'blind-transfer': 2,
  'attended-transfer': 2,
  recorded: 1,
  'dropped-connection': 1,
};

export type AmiFields = Array<[string, string]>;

/** One event of a script, `at` seconds after the call began; `drop` marks where the emulator cuts AMI off. */
export interface ScriptStep {
  at: number;
  fields: AmiFields;
  /** This step (and the next ones until the end of the gap) reach nobody: the emulator dropped its sessions. */
  drop?: boolean;
}

export interface AsteriskScript {
  linkedid: string;
  steps: ScriptStep[];
  /** Uniqueids of recorded channels: the emulator serves `<uniqueid>.wav`. */
  recordings: string[];
}

export interface ScriptIds {
  /** The next channel's Uniqueid, `<epoch>.<n>`. */
  uniqueid(): string;
  /** The next channel name suffix, 8 hex digits. */
  suffix(): string;
  bridge(): string;
}

export interface ScenarioSpec {
  name: AsteriskScenarioName;
  technology: string;
  client: string;
  extensions: string[];
  /** The DID dialled into the PBX. */
  line: string;
  trunk: string;
  ids: ScriptIds;
  /** Send Cdr events (cdr_manager enabled). */
  cdr: boolean;
}

const STATE_DESC: Record<number, string> = { 0: 'Down', 4: 'Ring', 5: 'Ringing', 6: 'Up' };

export interface Chan {
  name: string;
  uniqueid: string;
  linkedid: string;
  state: number;
  callerNum: string;
  callerName: string;
  connectedNum: string;
  connectedName: string;
  context: string;
  exten: string;
  variables: Array<[string, string]>;
}

/** Builds one call's events; times are seconds from the call's start. */
export class ScriptBuilder {
  readonly steps: ScriptStep[] = [];
  at = 0;
  dropping = false;

  constructor(
    readonly ids: ScriptIds,
    readonly technology: string,
  ) {}

  channel(
    resource: string,
    opts: {
      tech?: string;
      linkedid?: string;
      callerNum: string;
      callerName?: string;
      context: string;
      exten: string;
      connectedNum?: string;
    },
  ): Chan {
    const uniqueid = this.ids.uniqueid();
    return {
      name: `${opts.tech ?? this.technology}/${resource}-${this.ids.suffix()}`,
      uniqueid,
      linkedid: opts.linkedid ?? uniqueid,
      state: 0,
      callerNum: opts.callerNum,
      callerName: opts.callerName ?? '<unknown>',
      connectedNum: opts.connectedNum ?? '<unknown>',
      connectedName: '<unknown>',
      context: opts.context,
      exten: opts.exten,
      variables: [],
    };
  }

  wait(seconds: number): this {
    this.at += seconds;
    return this;
  }

  emit(event: string, fields: AmiFields): void {
    this.steps.push({
      at: this.at,
      fields: [['Event', event], ['Privilege', privilege(event)], ...fields],
      ...(this.dropping ? { drop: true } : {}),
    });
  }

  newchannel(chan: Chan, state: number): void {
    chan.state = state;
    this.emit('Newchannel', channelFields(chan));
  }

  newstate(chan: Chan, state: number): void {
    chan.state = state;
    this.emit('Newstate', channelFields(chan));
  }

  dialBegin(caller: Chan | null, dest: Chan, dialString: string): void {
    this.emit('DialBegin', [
      ...(caller ? channelFields(caller) : []),
      ...channelFields(dest, 'Dest'),
      ['DialString', dialString],
    ]);
  }

  dialEnd(caller: Chan | null, dest: Chan, status: string): void {
    this.emit('DialEnd', [
      ...(caller ? channelFields(caller) : []),
      ...channelFields(dest, 'Dest'),
      ['DialStatus', status],
    ]);
  }

  bridge(chans: Chan[]): string {
    const id = this.ids.bridge();
    chans.forEach((chan, n) => this.emit('BridgeEnter', [...bridgeFields(id, n + 1), ...channelFields(chan)]));
    return id;
  }

  unbridge(id: string, chans: Chan[]): void {
    chans.forEach((chan, n) =>
      this.emit('BridgeLeave', [...bridgeFields(id, chans.length - n - 1), ...channelFields(chan)]),
    );
  }

  hangup(chan: Chan, cause = 16): void {
    this.emit('Hangup', [...channelFields(chan), ['Cause', String(cause)], ['Cause-txt', CAUSES[cause] ?? 'Unknown']]);
  }

  mixMonitorStart(chan: Chan): void {
    this.emit('MixMonitorStart', channelFields(chan));
  }

  blindTransfer(transferer: Chan, transferee: Chan, bridgeId: string, extension: string, context: string): void {
    this.emit('BlindTransfer', [
      ['Result', 'Success'],
      ...channelFields(transferer, 'Transferer'),
      ...channelFields(transferee, 'Transferee'),
      ...bridgeFields(bridgeId, 2),
      ['IsExternal', 'No'],
      ['Context', context],
      ['Extension', extension],
    ]);
  }

  attendedTransfer(
    orig: Chan,
    origBridge: string,
    second: Chan,
    secondBridge: string,
    transferee: Chan,
    target: Chan,
  ): void {
    this.emit('AttendedTransfer', [
      ['Result', 'Success'],
      ...channelFields(orig, 'OrigTransferer'),
      ['OrigBridgeUniqueid', origBridge],
      ...channelFields(second, 'SecondTransferer'),
      ['SecondBridgeUniqueid', secondBridge],
      ['DestType', 'Bridge'],
      ['DestBridgeUniqueid', origBridge],
      ...channelFields(transferee, 'Transferee'),
      ...channelFields(target, 'TransferTarget'),
      ['IsExternal', 'No'],
    ]);
  }

  cdr(record: {
    source: string;
    destination: string;
    context: string;
    channel: Chan;
    destinationChannel: Chan | null;
    lastApplication: string;
    lastData: string;
    start: number;
    answer: number | null;
    end: number;
    disposition: 'ANSWERED' | 'NO ANSWER' | 'BUSY' | 'FAILED';
    startAt: number;
  }): void {
    const time = (offset: number | null) => (offset === null ? '' : cdrTime(record.startAt + offset));
    this.emit('Cdr', [
      ['AccountCode', ''],
      ['Source', record.source],
      ['Destination', record.destination],
      ['DestinationContext', record.context],
      ['CallerID', `"${record.channel.callerName}" <${record.channel.callerNum}>`],
      ['Channel', record.channel.name],
      ['DestinationChannel', record.destinationChannel?.name ?? ''],
      ['LastApplication', record.lastApplication],
      ['LastData', record.lastData],
      ['StartTime', time(record.start)],
      ['AnswerTime', time(record.answer)],
      ['EndTime', time(record.end)],
      ['Duration', String(record.end - record.start)],
      ['BillableSeconds', String(record.answer === null ? 0 : record.end - record.answer)],
      ['Disposition', record.disposition],
      ['AMAFlags', 'DOCUMENTATION'],
      ['UniqueID', record.channel.uniqueid],
      ['UserField', ''],
    ]);
  }
}

export function channelFields(chan: Chan, prefix = ''): AmiFields {
  return [
    [`${prefix}Channel`, chan.name],
    [`${prefix}ChannelState`, String(chan.state)],
    [`${prefix}ChannelStateDesc`, STATE_DESC[chan.state] ?? 'Unknown'],
    [`${prefix}CallerIDNum`, chan.callerNum],
    [`${prefix}CallerIDName`, chan.callerName],
    [`${prefix}ConnectedLineNum`, chan.connectedNum],
    [`${prefix}ConnectedLineName`, chan.connectedName],
    [`${prefix}Language`, 'en'],
    [`${prefix}AccountCode`, ''],
    [`${prefix}Context`, chan.context],
    [`${prefix}Exten`, chan.exten],
    [`${prefix}Priority`, '1'],
    [`${prefix}Uniqueid`, chan.uniqueid],
    [`${prefix}Linkedid`, chan.linkedid],
    ...(prefix === ''
      ? chan.variables.map(([name, value]): [string, string] => ['ChanVariable', `${name}=${value}`])
      : []),
  ];
}

function bridgeFields(id: string, count: number): AmiFields {
  return [
    ['BridgeUniqueid', id],
    ['BridgeType', 'basic'],
    ['BridgeTechnology', 'simple_bridge'],
    ['BridgeCreator', '<unknown>'],
    ['BridgeName', '<unknown>'],
    ['BridgeNumChannels', String(count)],
    ['BridgeVideoSourceMode', 'none'],
  ];
}

const CAUSES: Record<number, string> = { 16: 'Normal Clearing', 17: 'User busy', 19: 'No answer', 21: 'Call Rejected' };

function privilege(event: string): string {
  return event === 'Cdr' ? 'cdr,all' : 'call,all';
}

/** Cdr times are the PBX's local time "YYYY-MM-DD HH:MM:SS"; the emulator's PBX runs on UTC. */
function cdrTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

/** A call as the scenario plays it. `startAt` is Unix seconds at its start. */
export function buildScenario(spec: ScenarioSpec, startAt: number): AsteriskScript {
  const need = ASTERISK_SCENARIO_EXTENSIONS[spec.name];
  if (spec.extensions.length < need) {
    throw new Error(`Scenario "${spec.name}" needs ${need} extension(s), got ${spec.extensions.length}`);
  }
  const b = new ScriptBuilder(spec.ids, spec.technology);
  const [a = '', second = ''] = spec.extensions;
  const recordings: string[] = [];
  const cdr = (record: Omit<Parameters<ScriptBuilder['cdr']>[0], 'startAt'>) => {
    if (spec.cdr) b.cdr({ ...record, startAt });
  };

  /** A trunk call into the PBX, dialling `targets` together (Dial(PJSIP/101&PJSIP/102)). */
  const inbound = () => {
    const client = b.channel(spec.trunk, { callerNum: spec.client, context: 'from-trunk', exten: spec.line });
    b.newchannel(client, 4);
    return client;
  };
  const ringAgent = (client: Chan, extension: string) => {
    const agent = b.channel(extension, {
      linkedid: client.linkedid,
      callerNum: extension,
      connectedNum: client.callerNum,
      context: 'from-internal',
      exten: extension,
    });
    b.newchannel(agent, 0);
    b.dialBegin(client, agent, extension);
    b.newstate(agent, 5);
    return agent;
  };
  const answer = (caller: Chan, dest: Chan) => {
    b.newstate(dest, 6);
    b.dialEnd(caller, dest, 'ANSWER');
    if (caller.state !== 6) b.newstate(caller, 6);
    return b.bridge([caller, dest]);
  };
  const talkAndHangUp = (bridge: string, first: Chan, other: Chan, seconds: number) => {
    b.wait(seconds);
    b.unbridge(bridge, [first, other]);
    b.hangup(first);
    b.hangup(other);
  };

  switch (spec.name) {
    case 'incoming-answered':
    case 'recorded':
    case 'dropped-connection': {
      const client = inbound();
      b.wait(1);
      const agent = ringAgent(client, a);
      b.wait(4);
      const bridge = answer(client, agent);
      if (spec.name === 'recorded') {
        b.mixMonitorStart(client);
        recordings.push(client.uniqueid);
      }
      if (spec.name === 'dropped-connection') {
        b.wait(10);
        b.dropping = true;
      }
      talkAndHangUp(bridge, agent, client, spec.name === 'dropped-connection' ? 32 : 42);
      cdr({
        source: spec.client,
        destination: a,
        context: 'from-internal',
        channel: client,
        destinationChannel: agent,
        lastApplication: 'Dial',
        lastData: `${spec.technology}/${a}`,
        start: 0,
        answer: 5,
        end: b.at,
        disposition: 'ANSWERED',
      });
      break;
    }
    case 'incoming-missed': {
      const client = inbound();
      b.wait(1);
      const agent = ringAgent(client, a);
      b.wait(20);
      // The caller gives up: Dial cancels the ringing phone.
      b.dialEnd(client, agent, 'CANCEL');
      b.hangup(agent, 16);
      b.hangup(client, 16);
      cdr({
        source: spec.client,
        destination: a,
        context: 'from-internal',
        channel: client,
        destinationChannel: agent,
        lastApplication: 'Dial',
        lastData: `${spec.technology}/${a}`,
        start: 0,
        answer: null,
        end: b.at,
        disposition: 'NO ANSWER',
      });
      break;
    }
    case 'group-ringing': {
      const client = inbound();
      b.wait(1);
      const first = ringAgent(client, a);
      const answering = ringAgent(client, second);
      b.wait(6);
      b.newstate(answering, 6);
      b.dialEnd(client, answering, 'ANSWER');
      b.dialEnd(client, first, 'CANCEL');
      b.hangup(first, 26);
      b.newstate(client, 6);
      const bridge = b.bridge([client, answering]);
      talkAndHangUp(bridge, answering, client, 61);
      cdr({
        source: spec.client,
        destination: a,
        context: 'from-internal',
        channel: client,
        destinationChannel: first,
        lastApplication: 'Dial',
        lastData: `${spec.technology}/${a}&${spec.technology}/${second}`,
        start: 0,
        answer: null,
        end: 7,
        disposition: 'NO ANSWER',
      });
      cdr({
        source: spec.client,
        destination: a,
        context: 'from-internal',
        channel: client,
        destinationChannel: answering,
        lastApplication: 'Dial',
        lastData: `${spec.technology}/${a}&${spec.technology}/${second}`,
        start: 0,
        answer: 7,
        end: b.at,
        disposition: 'ANSWERED',
      });
      break;
    }
    case 'outgoing': {
      const agent = b.channel(a, { callerNum: a, context: 'from-internal', exten: spec.client });
      b.newchannel(agent, 4);
      const trunk = b.channel(spec.trunk, {
        linkedid: agent.linkedid,
        callerNum: a,
        connectedNum: a,
        context: 'from-internal',
        exten: spec.client,
      });
      b.newchannel(trunk, 0);
      b.dialBegin(agent, trunk, `${spec.trunk}/${spec.client}`);
      b.wait(8);
      const bridge = answer(agent, trunk);
      talkAndHangUp(bridge, trunk, agent, 30);
      cdr({
        source: a,
        destination: spec.client,
        context: 'from-internal',
        channel: agent,
        destinationChannel: trunk,
        lastApplication: 'Dial',
        lastData: `${spec.technology}/${spec.trunk}/${spec.client}`,
        start: 0,
        answer: 8,
        end: b.at,
        disposition: 'ANSWERED',
      });
      break;
    }
    case 'internal': {
      const caller = b.channel(a, { callerNum: a, context: 'from-internal', exten: second });
      b.newchannel(caller, 4);
      const callee = b.channel(second, {
        linkedid: caller.linkedid,
        callerNum: second,
        connectedNum: a,
        context: 'from-internal',
        exten: second,
      });
      b.newchannel(callee, 0);
      b.dialBegin(caller, callee, second);
      b.newstate(callee, 5);
      b.wait(3);
      const bridge = answer(caller, callee);
      talkAndHangUp(bridge, caller, callee, 60);
      cdr({
        source: a,
        destination: second,
        context: 'from-internal',
        channel: caller,
        destinationChannel: callee,
        lastApplication: 'Dial',
        lastData: `${spec.technology}/${second}`,
        start: 0,
        answer: 3,
        end: b.at,
        disposition: 'ANSWERED',
      });
      break;
    }
    case 'blind-transfer': {
      const client = inbound();
      b.wait(1);
      const first = ringAgent(client, a);
      b.wait(4);
      const bridge = answer(client, first);
      b.wait(30);
      // The agent transfers the client to `second` (a SIP REFER or the ## feature code).
      b.blindTransfer(first, client, bridge, second, 'from-internal');
      b.unbridge(bridge, [first, client]);
      b.hangup(first);
      const target = ringAgent(client, second);
      b.wait(5);
      const next = answer(client, target);
      talkAndHangUp(next, target, client, 57);
      cdr({
        source: spec.client,
        destination: a,
        context: 'from-internal',
        channel: client,
        destinationChannel: first,
        lastApplication: 'Dial',
        lastData: `${spec.technology}/${a}`,
        start: 0,
        answer: 5,
        end: 35,
        disposition: 'ANSWERED',
      });
      cdr({
        source: spec.client,
        destination: second,
        context: 'from-internal',
        channel: client,
        destinationChannel: target,
        lastApplication: 'Dial',
        lastData: `${spec.technology}/${second}`,
        start: 35,
        answer: 40,
        end: b.at,
        disposition: 'ANSWERED',
      });
      break;
    }
    case 'attended-transfer': {
      const client = inbound();
      b.wait(1);
      const first = ringAgent(client, a);
      b.wait(4);
      const bridge = answer(client, first);
      b.wait(20);
      // The agent puts the client on hold and calls `second` from the same phone: a call of its own.
      const consult = b.channel(a, { callerNum: a, context: 'from-internal', exten: second });
      b.newchannel(consult, 4);
      const target = b.channel(second, {
        linkedid: consult.linkedid,
        callerNum: second,
        connectedNum: a,
        context: 'from-internal',
        exten: second,
      });
      b.newchannel(target, 0);
      b.dialBegin(consult, target, second);
      b.newstate(target, 5);
      b.wait(3);
      const consultBridge = answer(consult, target);
      b.wait(15);
      // The agent completes the transfer: the client and `second` are bridged, the agent's channels go.
      b.attendedTransfer(first, bridge, consult, consultBridge, client, target);
      b.unbridge(bridge, [first]);
      b.hangup(first);
      b.unbridge(consultBridge, [consult]);
      b.hangup(consult);
      b.emit('BridgeEnter', [['BridgeUniqueid', bridge], ['BridgeNumChannels', '2'], ...channelFields(target)]);
      b.wait(70);
      b.unbridge(bridge, [target, client]);
      b.hangup(target);
      b.hangup(client);
      cdr({
        source: spec.client,
        destination: a,
        context: 'from-internal',
        channel: client,
        destinationChannel: first,
        lastApplication: 'Dial',
        lastData: `${spec.technology}/${a}`,
        start: 0,
        answer: 5,
        end: 43,
        disposition: 'ANSWERED',
      });
      cdr({
        source: a,
        destination: second,
        context: 'from-internal',
        channel: consult,
        destinationChannel: target,
        lastApplication: 'Dial',
        lastData: `${spec.technology}/${second}`,
        start: 25,
        answer: 28,
        end: 43,
        disposition: 'ANSWERED',
      });
      cdr({
        source: spec.client,
        destination: second,
        context: 'from-internal',
        channel: client,
        destinationChannel: target,
        lastApplication: 'Dial',
        lastData: `${spec.technology}/${second}`,
        start: 43,
        answer: 43,
        end: b.at,
        disposition: 'ANSWERED',
      });
      break;
    }
  }
  return {
    linkedid: b.steps
      .find((step) => step.fields.some(([key]) => key === 'Linkedid'))!
      .fields.find(([key]) => key === 'Linkedid')![1],
    steps: b.steps,
    recordings,
  };
}

/** Click-to-call as Originate plays it: the agent's phone first, then the client through the trunk. */
export function buildOriginate(
  spec: {
    technology: string;
    extension: string;
    number: string;
    context: string;
    trunk: string;
    ids: ScriptIds;
    cdr: boolean;
    variables: Array<[string, string]>;
  },
  startAt: number,
  outcome: 'answer' | 'busy' | 'no-answer',
): { steps: ScriptStep[]; agent: Chan; answeredAt: number | null } {
  const b = new ScriptBuilder(spec.ids, spec.technology);
  const agent = b.channel(spec.extension, { callerNum: spec.number, context: spec.context, exten: spec.number });
  agent.variables = spec.variables;
  b.newchannel(agent, 0);
  b.dialBegin(null, agent, `${spec.technology}/${spec.extension}`);
  b.newstate(agent, 5);
  if (outcome !== 'answer') {
    b.wait(outcome === 'busy' ? 1 : 30);
    b.dialEnd(null, agent, outcome === 'busy' ? 'BUSY' : 'NOANSWER');
    b.hangup(agent, outcome === 'busy' ? 17 : 19);
    return { steps: b.steps, agent, answeredAt: null };
  }
  b.wait(4);
  b.newstate(agent, 6);
  b.dialEnd(null, agent, 'ANSWER');
  const answeredAt = b.at;
  const trunk = b.channel(spec.trunk, {
    linkedid: agent.linkedid,
    callerNum: spec.extension,
    connectedNum: spec.extension,
    context: spec.context,
    exten: spec.number,
  });
  b.newchannel(trunk, 0);
  b.dialBegin(agent, trunk, `${spec.trunk}/${spec.number}`);
  b.newstate(trunk, 5);
  b.wait(6);
  b.newstate(trunk, 6);
  b.dialEnd(agent, trunk, 'ANSWER');
  const bridge = b.bridge([agent, trunk]);
  b.wait(25);
  b.unbridge(bridge, [trunk, agent]);
  b.hangup(trunk);
  b.hangup(agent);
  if (spec.cdr) {
    b.cdr({
      source: spec.extension,
      destination: spec.number,
      context: spec.context,
      channel: agent,
      destinationChannel: trunk,
      lastApplication: 'Dial',
      lastData: `${spec.technology}/${spec.trunk}/${spec.number}`,
      start: 0,
      answer: 10,
      end: b.at,
      disposition: 'ANSWERED',
      startAt,
    });
  }
  return { steps: b.steps, agent, answeredAt };
}
