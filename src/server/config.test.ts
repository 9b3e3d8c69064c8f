import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseTrustProxy } from './config.js';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({}, {});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      db: './data/switchboard.db',
      publicUrl: 'http://127.0.0.1:3000',
      secret: undefined,
      keyFile: resolve('data/secret.key'),
      metricsPublic: false,
      trustProxy: 'loopback',
    });
  });

  it.each([
    [undefined, 'loopback'],
    ['  ', 'loopback'],
    ['true', true],
    ['none', false],
    ['false', false],
    ['10.0.0.0/8, 192.168.1.5', '10.0.0.0/8, 192.168.1.5'],
  ])('reads SWITCHBOARD_TRUST_PROXY=%s as %s', (value, expected) => {
    expect(parseTrustProxy(value)).toEqual(expected);
  });

  it.each([
    ['1', true],
    ['true', true],
    ['0', false],
    ['', false],
  ])('reads SWITCHBOARD_METRICS_PUBLIC=%j as %s', (value, expected) => {
    expect(loadConfig({}, { SWITCHBOARD_METRICS_PUBLIC: value }).metricsPublic).toBe(expected);
  });

  it('prefers flags over the environment', () => {
    const env = { SWITCHBOARD_PORT: '4000', SWITCHBOARD_DB: 'postgres://x/y', SWITCHBOARD_HOST: '0.0.0.0' };
    expect(loadConfig({ port: '5000' }, env)).toMatchObject({ port: 5000, db: 'postgres://x/y', host: '0.0.0.0' });
    expect(loadConfig({}, env).publicUrl).toBe('http://127.0.0.1:4000');
  });

  it('takes a public URL without its trailing slash and the secret from the environment', () => {
    const config = loadConfig({ publicUrl: 'https://pbx.example.com/' }, { SWITCHBOARD_SECRET: 's3' });
    expect(config.publicUrl).toBe('https://pbx.example.com');
    expect(config.secret).toBe('s3');
  });

  it('refuses a bad port or public URL with a readable message', () => {
    expect(() => loadConfig({ port: 'abc' }, {})).toThrow('The port must be a whole number from 0 to 65535, not "abc"');
    expect(() => loadConfig({ publicUrl: 'example.com' }, {})).toThrow(/must start with http/);
  });
});
