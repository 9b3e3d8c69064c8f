/** The order an emulator delivers a scripted call's notifications in: as written, duplicated, shuffled. */
export interface DeliveryOptions {
  /** Deliver in a random order, as a provider's parallel sending may. */
  shuffle?: boolean;
  /** Deliver every notification twice. */
  duplicates?: boolean;
  /** Makes `shuffle` repeatable. */
  seed?: number;
}

/** The delivery order for a script's notifications. */
export function arrangeDelivery<T>(items: T[], options: DeliveryOptions): T[] {
  const list = options.duplicates ? items.flatMap((item) => [item, item]) : [...items];
  if (!options.shuffle) return list;
  const random = mulberry32(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}

/** A small seeded PRNG, enough to make a shuffle repeatable. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
