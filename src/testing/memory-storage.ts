import type { ModuleStorage } from '../contract/index.js';

/** Module storage in a Map, for tests: the same contract as the database-backed one. */
export class MemoryStorage implements ModuleStorage {
  readonly items = new Map<string, string>();

  async getItem(key: string): Promise<string | undefined> {
    return this.items.get(key);
  }

  async setItem(key: string, value: string): Promise<void> {
    this.items.set(key, value);
  }

  async removeItem(key: string): Promise<void> {
    this.items.delete(key);
  }

  /** A second storage holding the same items, changed independently from now on. */
  copy(): MemoryStorage {
    const copy = new MemoryStorage();
    for (const [key, value] of this.items) copy.items.set(key, value);
    return copy;
  }
}
