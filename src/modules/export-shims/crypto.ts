/**
 * `node:crypto` for an exported ELMA365 script: ELMA365 scripts cannot import Node modules, so the
 * export bundles this pure-JavaScript stand-in (hashes from @noble/hashes) in its place. It covers what
 * connectors use; `module export` fails with a clear message when a connector needs more.
 */
import { hmac } from '@noble/hashes/hmac';
import { md5, sha1 } from '@noble/hashes/legacy';
import { sha256, sha512 } from '@noble/hashes/sha2';
import { Buffer } from 'buffer';

type Input = string | Uint8Array;
type Encoding = 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary';

const HASHES = { md5, sha1, sha256, sha512 } as const;

function algorithm(name: string) {
  const hash = HASHES[name.toLowerCase().replace('-', '') as keyof typeof HASHES];
  if (!hash) throw new Error(`The exported script has no ${name} hash`);
  return hash;
}

function bytes(data: Input, encoding?: string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, (encoding ?? 'utf8') as BufferEncoding) : data;
}

function digestAs(result: Uint8Array, encoding?: Encoding): string | Buffer {
  const buffer = Buffer.from(result);
  return encoding === undefined ? buffer : buffer.toString(encoding);
}

interface Hash {
  update(data: Input, encoding?: string): Hash;
  digest(): Buffer;
  digest(encoding: Encoding): string;
}

export function createHash(name: string): Hash {
  const state = algorithm(name).create();
  const hash: Hash = {
    update(data, encoding) {
      state.update(bytes(data, encoding));
      return hash;
    },
    digest: ((encoding?: Encoding) => digestAs(state.digest(), encoding)) as Hash['digest'],
  };
  return hash;
}

export function createHmac(name: string, key: Input): Hash {
  const state = hmac.create(algorithm(name), bytes(key));
  const mac: Hash = {
    update(data, encoding) {
      state.update(bytes(data, encoding));
      return mac;
    },
    digest: ((encoding?: Encoding) => digestAs(state.digest(), encoding)) as Hash['digest'],
  };
  return mac;
}

/** Node throws on different lengths; so does this. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) throw new RangeError('Input buffers must have the same byte length');
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** The platform's randomUUID when it has one; otherwise Math.random (ids, not secrets). */
export function randomUUID(): string {
  const platform = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof platform?.randomUUID === 'function') return platform.randomUUID();
  const hex = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
