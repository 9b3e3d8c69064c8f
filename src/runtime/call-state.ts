import { VoipWebhookEvent } from '../contract/index.js';
import type { CallStatus, LegStatus } from '../storage/schema.js';

/**
 * Where a call, or one agent's leg of it, stands. Calls and legs share these states and the one
 * table below (`transition`), so "ringing", "talking" and "ended" mean the same at both levels.
 *
 * ```
 *              start               answer               end
 *   (new) ──────────▶ ringing ──────────▶ talking ──────────▶ ended
 *     │                  │                   ▲                  ▲
 *     │ answer           │                   │                  │
 *     │ (start lost      │                   │                  │
 *     ├─ or late) ───────┼───────────────────┘                  │
 *     │                  │ end (never answered)                 │
 *     │                  └──────────────────────────────────────┤
 *     │ end (start and answer lost or late)                     │
 *     └─────────────────────────────────────────────────────────┘
 * ```
 *
 * Every other pair is not a move. A step that repeats where things stand (start while ringing,
 * answer while talking, end once ended) is a duplicate; a step behind it (start while talking,
 * start or answer once ended) arrived out of order. Both are recorded in the timeline and otherwise
 * ignored, so `ended` is final — but for one case: a provider-dated event for a leg never seen, after
 * the call ended because its known legs had (see `reopens` in call-tracker.ts).
 *
 * An event naming an agent moves that agent's leg; the call follows its legs (talking when one
 * answers, ended when no leg is left ringing or talking). An event naming nobody moves the call.
 */
export type TrackState = CallStatus & LegStatus;

/** What an event asks for; `VoipWebhookEvent` seen as a step of the diagram on `TrackState`. */
export type TrackStep = 'start' | 'answer' | 'end';

/** The table's answer: go to a state, or ignore the step and say why. */
export type Move = { to: TrackState } | { ignore: IgnoreReason };
export type IgnoreReason = 'duplicate' | 'out_of_order';

const DUPLICATE: Move = { ignore: 'duplicate' };
const OUT_OF_ORDER: Move = { ignore: 'out_of_order' };

const TRANSITIONS: Record<TrackState | 'new', Record<TrackStep, Move>> = {
  new: { start: { to: 'ringing' }, answer: { to: 'talking' }, end: { to: 'ended' } },
  ringing: { start: DUPLICATE, answer: { to: 'talking' }, end: { to: 'ended' } },
  talking: { start: OUT_OF_ORDER, answer: DUPLICATE, end: { to: 'ended' } },
  ended: { start: OUT_OF_ORDER, answer: OUT_OF_ORDER, end: DUPLICATE },
};

/** The move for `step` from `from`; `undefined` is a call or leg not seen before. */
export function transition(from: TrackState | undefined, step: TrackStep): Move {
  return TRANSITIONS[from ?? 'new'][step];
}

export const STEP_OF_EVENT: Record<VoipWebhookEvent, TrackStep> = {
  [VoipWebhookEvent.NotifyStart]: 'start',
  [VoipWebhookEvent.NotifyAnswer]: 'answer',
  [VoipWebhookEvent.NotifyEnd]: 'end',
};
