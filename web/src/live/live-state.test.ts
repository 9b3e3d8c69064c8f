import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../api/types.js';
import { makeCall } from '../test-support/calls.js';
import { CLOSED_MEMORY, emptyLiveState, reduceLive } from './live-state.js';
import type { LiveAction, LiveState } from './live-state.js';

const ME = 'user-me';
const ringing = makeCall({ id: 'c1', status: 'ringing' });
const talking = makeCall({ id: 'c1', status: 'talking', answeredAt: '2025-04-03T10:00:05.000Z' });
const ended = makeCall({ id: 'c1', status: 'ended', endedAt: '2025-04-03T10:01:00.000Z' });

function event(type: LiveEvent['type'], call = ringing, answeredBy?: LiveEvent['answeredBy']): LiveAction {
  return { type: 'event', event: answeredBy ? { type, call, answeredBy } : { type, call } };
}

function run(actions: LiveAction[], from: LiveState = emptyLiveState): LiveState {
  return actions.reduce((state, action) => reduceLive(state, action, ME), from);
}

const popups = (state: LiveState) => state.calls.map((c) => `${c.call.id}:${c.phase}`);

describe('reduceLive', () => {
  it.each<[string, LiveAction[], string[]]>([
    ['a ringing call opens a popup', [event('call.ringing')], ['c1:ringing']],
    [
      'answered by me turns it into talking',
      [event('call.ringing'), event('call.answered', talking, { userId: ME, name: 'Me' })],
      ['c1:talking'],
    ],
    [
      'answered with no one named (outgoing) turns it into talking',
      [event('call.ringing'), event('call.answered', talking)],
      ['c1:talking'],
    ],
    [
      'answered by someone else closes it',
      [event('call.ringing'), event('call.answered', talking, { userId: 'other', name: 'Anna' })],
      [],
    ],
    ['the end closes it', [event('call.ringing'), event('call.answered', talking), event('call.ended', ended)], []],
    ['a missed call closes it', [event('call.ringing'), event('call.missed', ended)], []],
    ['a dismissal closes it', [event('call.ringing'), { type: 'dismiss', callId: 'c1' }], []],
    [
      'a late ringing after the end does not bring it back',
      [event('call.ringing'), event('call.ended', ended), event('call.ringing')],
      [],
    ],
    [
      'a repeated ringing after a dismissal does not bring it back',
      [event('call.ringing'), { type: 'dismiss', callId: 'c1' }, event('call.ringing')],
      [],
    ],
    [
      'an answer after a dismissal does not bring it back',
      [
        event('call.ringing'),
        { type: 'dismiss', callId: 'c1' },
        event('call.answered', talking, { userId: ME, name: 'Me' }),
      ],
      [],
    ],
    ['a duplicate ringing keeps one popup', [event('call.ringing'), event('call.ringing')], ['c1:ringing']],
    [
      'a ringing that arrives after the answer keeps talking',
      [event('call.answered', talking, { userId: ME, name: 'Me' }), event('call.ringing')],
      ['c1:talking'],
    ],
    ['an answer seen first opens a talking popup', [event('call.answered', talking)], ['c1:talking']],
    ['a recording for an unknown call opens nothing', [event('call.recorded', ended)], []],
    ['a ringing event carrying an ended call opens nothing', [event('call.ringing', ended)], []],
  ])('%s', (_name, actions, expected) => {
    expect(popups(run(actions))).toEqual(expected);
  });

  it('keeps several calls in arrival order and closes only the one that ended', () => {
    const second = makeCall({ id: 'c2' });
    const state = run([event('call.ringing'), event('call.ringing', second), event('call.ended', ended)]);
    expect(popups(state)).toEqual(['c2:ringing']);
  });

  it('updates the call data (a contact found later) without changing the phase', () => {
    const withContact = makeCall({ id: 'c1', contactId: 'k1', contact: { id: 'k1', name: 'Anna', company: 'Acme' } });
    const state = run([event('call.ringing'), event('call.ringing', withContact)]);
    expect(state.calls[0]?.call.contact?.name).toBe('Anna');
    expect(state.calls[0]?.phase).toBe('ringing');
  });

  it('a snapshot replaces the popups with the live calls, minus ended and closed ones', () => {
    const dismissed = run([event('call.ringing', makeCall({ id: 'gone' })), { type: 'dismiss', callId: 'gone' }]);
    const state = reduceLive(
      dismissed,
      {
        type: 'snapshot',
        calls: [
          makeCall({ id: 'a', status: 'talking' }),
          makeCall({ id: 'b' }),
          makeCall({ id: 'c', status: 'ended' }),
          makeCall({ id: 'gone' }),
        ],
      },
      ME,
    );
    expect(popups(state)).toEqual(['a:talking', 'b:ringing']);
  });

  it('returns the same state object when nothing changes', () => {
    const state = run([event('call.ringing'), event('call.ended', ended)]);
    expect(reduceLive(state, event('call.ended', ended), ME)).toBe(state);
    expect(reduceLive(state, event('call.ringing'), ME)).toBe(state);
  });

  it('remembers a bounded number of closed calls', () => {
    let state = emptyLiveState;
    for (let i = 0; i < CLOSED_MEMORY + 20; i++) state = reduceLive(state, { type: 'dismiss', callId: `x${i}` }, ME);
    expect(state.closed).toHaveLength(CLOSED_MEMORY);
    expect(state.closed[0]).toBe('x20');
    expect(state.closed.at(-1)).toBe(`x${CLOSED_MEMORY + 19}`);
  });
});
