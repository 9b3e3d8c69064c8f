/** `node:timers/promises` for an exported script: the platform's setTimeout when it has one. */
export function setTimeout<T>(ms: number, value?: T, options?: { signal?: AbortSignal }): Promise<T | undefined> {
  const timer = (globalThis as { setTimeout?: (fn: () => void, ms: number) => unknown }).setTimeout;
  if (options?.signal?.aborted) return Promise.reject(options.signal.reason);
  if (typeof timer !== 'function') return Promise.resolve(value);
  return new Promise((resolve) => void timer(() => resolve(value), ms));
}
