/**
 * Rotating the key that seals connection secrets. Both keys stay usable for opening until every value is
 * sealed again, so an interrupted rotation, or an instance still on the old key, loses nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Store } from '../storage/index.js';
import { createSecretBox, newKeyMaterial, writeKeyFile, type SecretBox } from './secret-box.js';

/** Seals every stored secret again with the box's current key; returns how many values it sealed. */
export async function resealSecrets(store: Store, box: SecretBox): Promise<number> {
  return store.transaction(async (tx) => {
    let count = 0;
    for (const connection of await tx.connections.list()) {
      const settings = JSON.parse(connection.settings) as Record<string, unknown>;
      const sealed = Object.entries(settings).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string' && box.isSealed(entry[1]),
      );
      if (sealed.length === 0) continue;
      for (const [key, value] of sealed) settings[key] = box.seal(box.open(value));
      await tx.connections.update(connection.id, {
        settings: JSON.stringify(settings),
        updated_at: connection.updated_at,
      });
      count += sealed.length;
    }
    return count;
  });
}

/**
 * A new key file: the old key is kept as `<keyFile>.previous` first (so values sealed with it still open
 * whatever happens next), then the new key replaces the file, then every secret is sealed with it.
 */
export async function rotateKeyFile(store: Store, keyFile: string): Promise<number> {
  if (!existsSync(keyFile)) throw new Error(`There is no key file at ${keyFile}: nothing is sealed with it`);
  const old = readFileSync(keyFile, 'utf8').trim();
  writeKeyFile(`${keyFile}.previous`, old);
  const material = newKeyMaterial();
  writeKeyFile(keyFile, material);
  return resealSecrets(store, createSecretBox(material, [old]));
}
