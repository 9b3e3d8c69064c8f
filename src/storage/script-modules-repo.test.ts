import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { StorageError } from './repo-helpers.js';

const row = (id: string, created: string) => ({
  id,
  name: id.slice(4),
  source: 'async function VoipTestConnection() { return { success: true }; }',
  settings: JSON.stringify([{ key: 'apiKey', type: 'string', label: 'apiKey' }]),
  created_at: created,
  updated_at: created,
});

describeEachDatabase('ScriptModulesRepo', (getStore) => {
  it('stores, lists oldest first, finds and removes modules', async () => {
    const store = getStore();
    await store.scriptModules.create(row('ext-list-b', '2026-01-02T00:00:00.000Z'));
    await store.scriptModules.create(row('ext-list-a', '2026-01-01T00:00:00.000Z'));
    const ids = (await store.scriptModules.list()).map((m) => m.id).filter((id) => id.startsWith('ext-list-'));
    expect(ids).toEqual(['ext-list-a', 'ext-list-b']);
    expect(await store.scriptModules.get('ext-list-b')).toEqual(row('ext-list-b', '2026-01-02T00:00:00.000Z'));
    expect(await store.scriptModules.remove('ext-list-b')).toBe(true);
    expect(await store.scriptModules.remove('ext-list-b')).toBe(false);
    expect(await store.scriptModules.get('ext-list-b')).toBeUndefined();
  });

  it('refuses a second module with the same id', async () => {
    const store = getStore();
    await store.scriptModules.create(row('ext-twice', '2026-01-01T00:00:00.000Z'));
    const error = await store.scriptModules
      .create(row('ext-twice', '2026-01-03T00:00:00.000Z'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'conflict' });
    expect(await store.scriptModules.get('ext-twice')).toMatchObject({ created_at: '2026-01-01T00:00:00.000Z' });
  });
});
