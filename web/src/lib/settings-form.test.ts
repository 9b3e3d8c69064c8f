import { describe, expect, it } from 'vitest';
import type { SettingsField } from '../api/types.js';
import { initialValues, parseNumberList, settingsPayload, validateSettings } from './settings-form.js';

const fields: SettingsField[] = [
  { key: 'apiKey', type: 'string', label: 'API key', required: true },
  { key: 'apiSalt', type: 'string', label: 'API salt', required: true, secret: true },
  { key: 'apiUrl', type: 'url', label: 'API URL', default: 'https://api.example/vpbx/' },
  { key: 'retries', type: 'number', label: 'Retries', default: 3 },
  { key: 'verify', type: 'boolean', label: 'Check signatures', default: true },
];

describe('initialValues', () => {
  it('uses the defaults for a new connection', () => {
    expect(initialValues(fields)).toEqual({
      apiKey: '',
      apiSalt: '',
      apiUrl: 'https://api.example/vpbx/',
      retries: '3',
      verify: true,
    });
  });

  it('starts a required choice on its first option, an optional one blank', () => {
    const choices: SettingsField[] = [
      {
        key: 'region',
        type: 'string',
        label: 'Region',
        required: true,
        options: [
          { value: 'eu', label: 'EU' },
          { value: 'us', label: 'US' },
        ],
      },
      { key: 'queue', type: 'string', label: 'Queue', options: [{ value: 'a', label: 'A' }] },
    ];
    expect(initialValues(choices)).toEqual({ region: 'eu', queue: '' });
  });

  it('shows saved values but never a secret, and no defaults over saved blanks', () => {
    expect(
      initialValues(fields, { apiKey: 'k1', apiSalt: { set: true }, apiUrl: null, retries: 5, verify: false }),
    ).toEqual({
      apiKey: 'k1',
      apiSalt: '',
      apiUrl: '',
      retries: '5',
      verify: false,
    });
  });
});

describe('validateSettings', () => {
  const valid = { apiKey: 'k', apiSalt: 's', apiUrl: 'https://x.example/', retries: '2', verify: false };

  it('accepts a complete form', () => {
    expect(validateSettings(fields, valid)).toEqual({});
  });

  it.each<[string, Record<string, string | boolean>, Record<string, string>]>([
    ['missing required fields', { ...valid, apiKey: '  ', apiSalt: '' }, { apiKey: 'required', apiSalt: 'required' }],
    ['a number that is not one', { ...valid, retries: 'three' }, { retries: 'number' }],
    ['an address without a scheme', { ...valid, apiUrl: 'x.example' }, { apiUrl: 'url' }],
    ['an address with another scheme', { ...valid, apiUrl: 'ftp://x.example' }, { apiUrl: 'url' }],
  ])('reports %s', (_name, values, errors) => {
    expect(validateSettings(fields, values)).toEqual(errors);
  });

  it('lets a saved secret stay empty in the form', () => {
    expect(validateSettings(fields, { ...valid, apiSalt: '' }, { apiSalt: { set: true } })).toEqual({});
    expect(validateSettings(fields, { ...valid, apiSalt: '' }, { apiSalt: null })).toEqual({ apiSalt: 'required' });
  });
});

describe('settingsPayload', () => {
  it('types the values, clears emptied fields and leaves an untouched secret out', () => {
    expect(settingsPayload(fields, { apiKey: ' k ', apiSalt: '', apiUrl: '', retries: '4', verify: true })).toEqual({
      apiKey: 'k',
      apiUrl: null,
      retries: 4,
      verify: true,
    });
  });

  it('sends a secret the admin typed', () => {
    expect(
      settingsPayload(fields, { apiKey: 'k', apiSalt: 'new', apiUrl: '', retries: '', verify: false }).apiSalt,
    ).toBe('new');
  });
});

describe('parseNumberList', () => {
  it('splits by lines, commas and semicolons, trimming and dropping repeats', () => {
    expect(parseNumberList(' +7 495 000-00-00\n\n+74950000001, +7 495 000-00-00;8 800 100 00 00 ')).toEqual([
      '+7 495 000-00-00',
      '+74950000001',
      '8 800 100 00 00',
    ]);
  });
});
