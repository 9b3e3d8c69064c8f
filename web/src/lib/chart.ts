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

/**
 * Gridlines for counts from 0 to at least `max`: a round whole step, about `count` lines; the last
 * tick is the top of the axis.
 */
export function axisTicks(max: number, count = 4): number[] {
  const step = niceCeiling(max / count);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let value = 0; value <= top; value += step) ticks.push(value);
  return ticks;
}
