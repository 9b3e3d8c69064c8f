import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretBox, loadKeyMaterial } from './secret-box.js';

describe('secret box', () => {
  it('round-trips and hides the plain text', () => {
    const box = createSecretBox('key material');
    const sealed = box.seal('salt-123');
    expect(sealed).not.toContain('salt-123');
    expect(box.isSealed(sealed)).toBe(true);
    expect(box.open(sealed)).toBe('salt-123');
    expect(box.seal('salt-123')).not.toBe(sealed);
  });

  it('refuses a value sealed with another key, with a message that says what to check', () => {
    const sealed = createSecretBox('one').seal('x');
    expect(() => createSecretBox('two').open(sealed)).toThrow(/SWITCHBOARD_SECRET/);
  });

  it('passes values that were never sealed through', () => {
    expect(createSecretBox('k').open('plain')).toBe('plain');
  });
});

describe('key material', () => {
  it('prefers the environment, else creates a 0600 key file once and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-key-'));
    const file = join(dir, 'nested', 'secret.key');
    expect(loadKeyMaterial('from-env', file)).toBe('from-env');
    const created = loadKeyMaterial(undefined, file);
    expect(created.length).toBeGreaterThan(30);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadKeyMaterial(undefined, file)).toBe(created);
    expect(readFileSync(file, 'utf8').trim()).toBe(created);
  });
});
