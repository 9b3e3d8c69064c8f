/**
 * Connection secrets (API salts, passwords) are encrypted at rest with AES-256-GCM. The key comes from
 * SWITCHBOARD_SECRET, or from a key file created with mode 0600 beside the database on first start.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const PREFIX = 'enc:v1:';

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  isSealed(value: string): boolean;
}

/** Any string works as key material: it is stretched to 32 bytes with sha256. */
export function createSecretBox(keyMaterial: string): SecretBox {
  const key = createHash('sha256').update(keyMaterial).digest();
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
    },
    open(sealed) {
      if (!sealed.startsWith(PREFIX)) return sealed;
      const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      try {
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new Error('A stored secret cannot be decrypted: SWITCHBOARD_SECRET or the key file changed');
      }
    },
    isSealed: (value) => value.startsWith(PREFIX),
  };
}

/** The key material: the environment's, else the key file's, else a new key file. */
export function loadKeyMaterial(fromEnv: string | undefined, keyFile: string): string {
  if (fromEnv) return fromEnv;
  if (existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim();
  mkdirSync(dirname(keyFile), { recursive: true });
  const material = randomBytes(32).toString('base64');
  writeFileSync(keyFile, `${material}\n`, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  return material;
}
