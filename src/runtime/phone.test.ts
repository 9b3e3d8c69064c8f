import { describe, expect, it } from 'vitest';
import { isExtension, isKnownCountry, lookupKeys, normalizePhone } from './phone.js';

describe('normalizePhone', () => {
  it.each([
    ['+7 495 123-45-67', 'RU', '+74951234567'],
    ['84951234567', 'RU', '+74951234567'],
    ['7 (495) 1234567', 'RU', '+74951234567'],
    ['74951234567', 'RU', '+74951234567'],
    ['8 (800) 555-35-35', 'RU', '+78005553535'],
    ['9161234567', 'RU', '+79161234567'],
    ['00442079460000', 'RU', '+442079460000'],
    ['+1 650 253 0000', 'RU', '+16502530000'],
    ['(650) 253-0000', 'US', '+16502530000'],
    ['16502530000', 'RU', '+16502530000'],
    ['020 7946 0000', 'GB', '+442079460000'],
  ])('%s in %s → %s', (raw, country, expected) => {
    expect(normalizePhone(raw, country)).toBe(expected);
  });

  it('keeps extensions and short codes as digits', () => {
    expect(normalizePhone('101')).toBe('101');
    expect(normalizePhone(' 1 01 ')).toBe('101');
    expect(normalizePhone('112')).toBe('112');
  });

  it('keeps what it cannot place as digits instead of inventing a number', () => {
    expect(normalizePhone('12345678901234567')).toBe('12345678901234567');
    expect(normalizePhone('anonymous')).toBe('anonymous');
    expect(normalizePhone('')).toBe('');
  });
});

describe('isExtension', () => {
  it.each([
    ['101', true],
    ['10 01', true],
    ['123456', true],
    ['1234567', false],
    ['+101', false],
    ['sip:101', false],
  ])('%s → %s', (raw, expected) => {
    expect(isExtension(raw)).toBe(expected);
  });
});

describe('lookupKeys', () => {
  it('tries the E.164 form first, then the bare digits', () => {
    expect(lookupKeys('8 (495) 123-45-67')).toEqual(['+74951234567', '84951234567']);
    expect(lookupKeys('101')).toEqual(['101']);
  });
});

describe('isKnownCountry', () => {
  it('accepts ISO codes libphonenumber knows and refuses the rest', () => {
    expect(isKnownCountry('RU')).toBe(true);
    expect(isKnownCountry('KZ')).toBe(true);
    expect(isKnownCountry('XX')).toBe(false);
    expect(isKnownCountry('Russia')).toBe(false);
  });
});
