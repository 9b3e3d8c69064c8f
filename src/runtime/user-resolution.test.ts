import { describe, expect, it } from 'vitest';
import { VoipCallDirection } from '../contract/index.js';
import { looksLikeExtension, resolveParties } from './user-resolution.js';
import type { PartyNumbers, Parties } from './user-resolution.js';

const { In, Out, Internal } = VoipCallDirection;
const CLIENT = '+74951234567';
const DID = '+74950000000';
const bindings = new Map([
  ['101', 'u1'],
  [' 102', 'u2'],
  ['103', 'u3'],
]);

const cases: Array<[string, PartyNumbers, Parties]> = [
  [
    'incoming: the agent is dstPhone',
    { direction: In, srcPhone: CLIENT, dstPhone: '101' },
    { agentExtension: '101', agentUserId: 'u1', clientNumber: CLIENT },
  ],
  [
    'outgoing, 2026 contract: the agent is srcPhone',
    { direction: Out, srcPhone: '101', dstPhone: CLIENT },
    { agentExtension: '101', agentUserId: 'u1', clientNumber: CLIENT },
  ],
  [
    'outgoing, legacy module: the extension sits in dstPhone',
    { direction: Out, srcPhone: CLIENT, dstPhone: '101' },
    { agentExtension: '101', agentUserId: 'u1', clientNumber: CLIENT },
  ],
  [
    'internal: dstPhone first, the caller is the "client"',
    { direction: Internal, srcPhone: '101', dstPhone: '103' },
    { agentExtension: '103', agentUserId: 'u3', clientNumber: '101' },
  ],
  [
    'internal to an unbound extension: the bound caller',
    { direction: Internal, srcPhone: '101', dstPhone: '105' },
    { agentExtension: '101', agentUserId: 'u1', clientNumber: '105' },
  ],
  [
    'incoming to a DID with srcPhoneExt: the client is srcPhone',
    { direction: In, srcPhone: CLIENT, dstPhone: DID, srcPhoneExt: '103' },
    { agentExtension: '103', agentUserId: 'u3', clientNumber: CLIENT },
  ],
  [
    'outgoing from a company line with dstPhoneExt: the client is dstPhone',
    { direction: Out, srcPhone: DID, dstPhone: CLIENT, dstPhoneExt: '102' },
    { agentExtension: '102', agentUserId: 'u2', clientNumber: CLIENT },
  ],
  [
    'bindings and events match despite whitespace',
    { direction: In, srcPhone: ` ${CLIENT} `, dstPhone: ' 102 ' },
    { agentExtension: '102', agentUserId: 'u2', clientNumber: CLIENT },
  ],
  [
    'incoming never takes the caller for the agent',
    { direction: In, srcPhone: '101', dstPhone: '105' },
    { agentExtension: '105', agentUserId: null, clientNumber: '101' },
  ],
  [
    'unbound incoming: dstPhone when it looks like an extension',
    { direction: In, srcPhone: CLIENT, dstPhone: '105' },
    { agentExtension: '105', agentUserId: null, clientNumber: CLIENT },
  ],
  [
    'unbound outgoing: srcPhone',
    { direction: Out, srcPhone: '105', dstPhone: CLIENT },
    { agentExtension: '105', agentUserId: null, clientNumber: CLIENT },
  ],
  [
    'unbound outgoing, legacy: dstPhone when srcPhone is external',
    { direction: Out, srcPhone: CLIENT, dstPhone: '105' },
    { agentExtension: '105', agentUserId: null, clientNumber: CLIENT },
  ],
  [
    'unbound outgoing with only dstPhoneExt',
    { direction: Out, srcPhone: DID, dstPhone: CLIENT, dstPhoneExt: '106' },
    { agentExtension: '106', agentUserId: null, clientNumber: CLIENT },
  ],
  [
    'incoming to a DID, nobody: no agent',
    { direction: In, srcPhone: CLIENT, dstPhone: DID },
    { agentExtension: null, agentUserId: null, clientNumber: CLIENT },
  ],
  [
    'outgoing between external numbers: the client is dstPhone',
    { direction: Out, srcPhone: DID, dstPhone: CLIENT },
    { agentExtension: null, agentUserId: null, clientNumber: CLIENT },
  ],
  [
    'legacy outgoing without an extension (dstPhone empty): the client is srcPhone',
    { direction: Out, srcPhone: CLIENT, dstPhone: '' },
    { agentExtension: null, agentUserId: null, clientNumber: CLIENT },
  ],
];

describe('resolveParties', () => {
  it.each(cases)('%s', (_name, event, expected) => {
    expect(resolveParties(event, bindings)).toEqual(expected);
  });

  it('without bindings falls back to the shape of the numbers', () => {
    expect(resolveParties({ direction: In, srcPhone: CLIENT, dstPhone: '101' }, new Map())).toEqual({
      agentExtension: '101',
      agentUserId: null,
      clientNumber: CLIENT,
    });
  });
});

describe('looksLikeExtension', () => {
  it.each([
    ['101', true],
    ['1', true],
    ['123456', true],
    [' 10 1 ', true],
    ['1234567', false],
    ['+74951234567', false],
    ['84951234567', false],
    ['sip:101@pbx.example', false],
    ['', false],
  ])('%j → %s', (value, expected) => {
    expect(looksLikeExtension(value)).toBe(expected);
  });
});
