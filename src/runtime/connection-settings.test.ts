import { describe, expect, it } from 'vitest';
import type { SettingsField } from '../contract/index.js';
import { mergeSettings, openSettings, publicSettings } from './connection-settings.js';
import { createSecretBox } from './secret-box.js';

const box = createSecretBox('test key');
const fields: SettingsField[] = [
  { key: 'apiKey', type: 'string', label: 'API key', required: true },
  { key: 'apiSalt', type: 'string', label: 'API salt', required: true, secret: true },
  { key: 'apiUrl', type: 'url', label: 'API address', default: 'https://pbx.example/api/' },
  { key: 'retries', type: 'number', label: 'Retries' },
  { key: 'verify', type: 'boolean', label: 'Verify' },
  { key: 'mode', type: 'string', label: 'Mode', options: [{ value: 'rest', label: 'REST' }] },
];

describe('connection settings', () => {
  it('converts strings, applies defaults and seals secrets', () => {
    const stored = mergeSettings(fields, {}, { apiKey: 'k', apiSalt: 's', retries: '3', verify: 'true' }, box);
    expect(stored).toMatchObject({ apiKey: 'k', apiUrl: 'https://pbx.example/api/', retries: 3, verify: true });
    expect(stored.apiSalt).not.toBe('s');
    expect(openSettings(stored, box)).toMatchObject({ apiKey: 'k', apiSalt: 's', retries: 3 });
  });

  it('keeps a secret that is not sent again and never shows it', () => {
    const first = mergeSettings(fields, {}, { apiKey: 'k', apiSalt: 's' }, box);
    const second = mergeSettings(fields, first, { apiKey: 'k2', apiSalt: { set: true } }, box);
    expect(openSettings(second, box).apiSalt).toBe('s');
    expect(publicSettings(fields, second)).toEqual({
      apiKey: 'k2',
      apiSalt: { set: true },
      apiUrl: 'https://pbx.example/api/',
      retries: null,
      verify: null,
      mode: null,
    });
  });

  it.each([
    [{ apiSalt: 's' }, 'API key is required', 'settings.apiKey'],
    [{ apiKey: 'k', apiSalt: 's', retries: 'many' }, 'Retries must be a number', 'settings.retries'],
    [
      { apiKey: 'k', apiSalt: 's', apiUrl: 'ftp://x' },
      'API address must be an http:// or https:// URL',
      'settings.apiUrl',
    ],
    [{ apiKey: 'k', apiSalt: 's', verify: 'maybe' }, 'Verify must be true or false', 'settings.verify'],
    [{ apiKey: 'k', apiSalt: 's', mode: 'soap' }, 'Mode must be one of rest', 'settings.mode'],
    [{ apiKey: 'k', apiSalt: 's', colour: 'red' }, 'Unknown setting "colour"', 'settings.colour'],
  ])('refuses %j naming the field', (input, message, field) => {
    expect(() => mergeSettings(fields, {}, input, box)).toThrow(expect.objectContaining({ field }));
    expect(() => mergeSettings(fields, {}, input, box)).toThrow(message);
  });

  it('clears a field sent as null, and a required one cannot be cleared', () => {
    const stored = mergeSettings(fields, {}, { apiKey: 'k', apiSalt: 's', retries: 2 }, box);
    expect(mergeSettings(fields, stored, { retries: null }, box)).not.toHaveProperty('retries');
    expect(() => mergeSettings(fields, stored, { apiKey: '' }, box)).toThrow('API key is required');
  });
});
