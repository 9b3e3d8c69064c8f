/** Axis arithmetic for the small inline charts. */

/** The smallest "round" number (1, 2, 5 × 10ⁿ) at or above `value`; at least 1. */
export function niceCeiling(value: number): number {
  if (!Number.isFinite(value) || value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

/** Whole-number gridlines from 0 to `max` (a nice ceiling), at most `count` + 1 of them. */
export function axisTicks(max: number, count = 4): number[] {
  const top = niceCeiling(max);
  const step = Math.max(1, Math.ceil(top / count));
  const ticks: number[] = [];
  for (let value = 0; value <= top; value += step) ticks.push(value);
  if (ticks[ticks.length - 1] !== top) ticks.push(top);
  return ticks;
}
