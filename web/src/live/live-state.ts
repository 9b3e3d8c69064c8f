/**
 * The live calls one user sees as popups, as a pure reducer shared by every tab.
 *
 *   call.ringing ──► ringing ──call.answered (by me, or no one named)──► talking
 *                       │  └──call.answered by someone else──► closed
 *                       └──call.ended / call.missed / dismiss──► closed ◄── (same from talking)
 *
 * A closed call stays closed: a late or repeated `call.ringing` for it is ignored, so a popup
 * never comes back after it was dismissed or the call ended.
 */
import type { Call, LiveEvent } from '../api/types.js';

export type PopupPhase = 'ringing' | 'talking';

export interface LiveCall {
  call: Call;
  phase: PopupPhase;
}

export interface LiveState {
  /** Open popups, oldest first. */
  calls: LiveCall[];
  /** Ids of calls closed lately, newest last; bounded by {@link CLOSED_MEMORY}. */
  closed: string[];
}

export type LiveAction =
  { type: 'snapshot'; calls: Call[] } | { type: 'event'; event: LiveEvent } | { type: 'dismiss'; callId: string };

export const CLOSED_MEMORY = 200;

export const emptyLiveState: LiveState = { calls: [], closed: [] };

/** The next state after `action`, for the user `me`. Returns `state` itself when nothing changes. */
export function reduceLive(state: LiveState, action: LiveAction, me: string): LiveState {
  switch (action.type) {
    case 'snapshot': {
      const calls = action.calls
        .filter((call) => call.status !== 'ended' && !state.closed.includes(call.id))
        .map((call): LiveCall => ({ call, phase: call.status === 'talking' ? 'talking' : 'ringing' }));
      return { calls, closed: state.closed };
    }
    case 'dismiss':
      return close(state, action.callId);
    case 'event':
      return applyEvent(state, action.event, me);
  }
}

function applyEvent(state: LiveState, event: LiveEvent, me: string): LiveState {
  const { call } = event;
  switch (event.type) {
    case 'call.ringing':
      if (state.closed.includes(call.id) || call.status === 'ended') return state;
      return upsert(state, call, (current) => current ?? (call.status === 'talking' ? 'talking' : 'ringing'));
    case 'call.answered':
      if (event.answeredBy && event.answeredBy.userId !== me) return close(state, call.id);
      if (state.closed.includes(call.id)) return state;
      return upsert(state, call, () => 'talking');
    case 'call.ended':
    case 'call.missed':
      return close(state, call.id);
    case 'call.recorded': {
      if (!state.calls.some((c) => c.call.id === call.id)) return state;
      return upsert(state, call, (current) => current ?? 'ringing');
    }
  }
}

function upsert(state: LiveState, call: Call, phase: (current: PopupPhase | undefined) => PopupPhase): LiveState {
  const index = state.calls.findIndex((c) => c.call.id === call.id);
  if (index === -1) return { ...state, calls: [...state.calls, { call, phase: phase(undefined) }] };
  const calls = state.calls.slice();
  const current = calls[index]!;
  calls[index] = { call, phase: phase(current.phase) };
  return { ...state, calls };
}

function close(state: LiveState, callId: string): LiveState {
  const open = state.calls.some((c) => c.call.id === callId);
  if (!open && state.closed.includes(callId)) return state;
  const closed = [...state.closed.filter((id) => id !== callId), callId].slice(-CLOSED_MEMORY);
  return { calls: state.calls.filter((c) => c.call.id !== callId), closed };
}
