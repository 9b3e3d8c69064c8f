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
}
