/**
 * Connection secrets (API salts, passwords) are encrypted at rest with AES-256-GCM. The key comes from
 * SWITCHBOARD_SECRET, or from a key file created with mode 0600 beside the database on first start.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { remembered } from './remembered.js';

const PREFIX = 'enc:v1:';

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  isSealed(value: string): boolean;
}

/**
 * Any string works as key material: it is stretched to 32 bytes with sha256. `previous` keys only open:
 * during a key rotation, values sealed with the old key stay readable until they are sealed again.
 */
export function createSecretBox(keyMaterial: string, previous: readonly string[] = []): SecretBox {
  const [key, ...older] = [keyMaterial, ...previous].map((material) => createHash('sha256').update(material).digest());
  // Every webhook opens its connection's settings; the sealed text changes whenever a secret does.
  const opened = remembered(1000, decrypt);
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key!, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
    },
    open(sealed) {
      return sealed.startsWith(PREFIX) ? opened(sealed) : sealed;
    },
    isSealed: (value) => value.startsWith(PREFIX),
  };

  function decrypt(sealed: string): string {
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    for (const candidate of [key!, ...older]) {
      const decipher = createDecipheriv('aes-256-gcm', candidate, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      try {
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        // Not this key: try the previous one.
      }
    }
    throw new Error(
      'A stored secret cannot be decrypted: SWITCHBOARD_SECRET or the key file changed. ' +
        'To rotate the key, use `switchboard secret rotate` (docs/security.md).',
    );
  }
}

/** Keys that only open: SWITCHBOARD_PREVIOUS_SECRET, else the key file's `.previous` left by a rotation. */
export function loadPreviousKeys(fromEnv: string | undefined, keyFile: string): string[] {
  if (fromEnv) return [fromEnv];
  const previous = `${keyFile}.previous`;
  return existsSync(previous) ? [readFileSync(previous, 'utf8').trim()] : [];
}

/** The key material: the environment's, else the key file's, else a new key file. */
export function loadKeyMaterial(fromEnv: string | undefined, keyFile: string): string {
  if (fromEnv) return fromEnv;
  if (existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim();
  mkdirSync(dirname(keyFile), { recursive: true });
  const material = newKeyMaterial();
  writeKeyFile(keyFile, material);
  return material;
}

export function newKeyMaterial(): string {
  return randomBytes(32).toString('base64');
}

/** Written beside and renamed over, so a crash leaves the old file or the new one, never half of one. */
export function writeKeyFile(path: string, material: string): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${material}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}
