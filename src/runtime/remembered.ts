/**
 * `compute` with its last `size` results kept by key (the oldest dropped first): for pure work that each
 * webhook repeats, such as parsing the same numbers or opening the same sealed settings.
 */
export function remembered<T>(size: number, compute: (key: string) => T): (key: string) => T {
  const kept = new Map<string, T>();
  return (key) => {
    if (kept.has(key)) return kept.get(key) as T;
    const value = compute(key);
    if (kept.size >= size) kept.delete(kept.keys().next().value as string);
    kept.set(key, value);
    return value;
  };
}
