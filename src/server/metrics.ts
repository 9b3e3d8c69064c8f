/** Counters for /metrics, kept in memory: Prometheus scrapes and sums them across restarts itself. */

export type CounterName = 'webhooks_received' | 'webhooks_refused' | 'webhooks_rejected' | 'webhooks_failed';

export class Counters {
  readonly #values = new Map<string, { name: CounterName; labels: Record<string, string>; value: number }>();

  inc(name: CounterName, labels: Record<string, string> = {}): void {
    const key = `${name}${JSON.stringify(labels)}`;
    const entry = this.#values.get(key) ?? { name, labels, value: 0 };
    entry.value++;
    this.#values.set(key, entry);
  }

  get(name: CounterName, labels: Record<string, string> = {}): number {
    return this.#values.get(`${name}${JSON.stringify(labels)}`)?.value ?? 0;
  }

  entries(): Array<{ name: CounterName; labels: Record<string, string>; value: number }> {
    return [...this.#values.values()];
  }
}
