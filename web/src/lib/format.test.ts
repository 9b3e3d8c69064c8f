import { describe, expect, it } from 'vitest';
import {
  countryName,
  dayKey,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatPhone,
  formatRelative,
  formatTime,
  isTimeZone,
  nextDay,
  startOfDayInZone,
  zoneOffsetMinutes,
} from './format.js';

/** Intl puts narrow or ordinary no-break spaces in some locales; compare with plain spaces. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('formatDuration', () => {
  it.each<[number | null | undefined, string]>([
    [0, '0:00'],
    [7, '0:07'],
    [65, '1:05'],
    [754, '12:34'],
    [3600, '1:00:00'],
    [3723, '1:02:03'],
    [59.6, '1:00'],
    [null, '—'],
    [undefined, '—'],
    [-5, '—'],
    [Number.NaN, '—'],
  ])('%s s → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('time zones', () => {
  it('gives the calendar day where the user is, not in UTC', () => {
    const instant = new Date('2025-04-03T22:30:00Z');
    expect(dayKey(instant, 'UTC')).toBe('2025-04-03');
    expect(dayKey(instant, 'Europe/Moscow')).toBe('2025-04-04');
    expect(dayKey(instant, 'America/New_York')).toBe('2025-04-03');
  });

  it.each<[string, string, number]>([
    ['2025-01-15T12:00:00Z', 'Europe/Moscow', 180],
    ['2025-01-15T12:00:00Z', 'Europe/Berlin', 60],
    ['2025-07-15T12:00:00Z', 'Europe/Berlin', 120],
    ['2025-07-15T12:00:00Z', 'America/Los_Angeles', -420],
    ['2025-07-15T12:00:00Z', 'Asia/Kolkata', 330],
    ['2025-07-15T12:00:00Z', 'UTC', 0],
  ])('offset at %s in %s is %i min', (iso, zone, minutes) => {
    expect(zoneOffsetMinutes(new Date(iso), zone)).toBe(minutes);
  });

  it.each<[string, string, string]>([
    ['2025-04-03', 'Europe/Moscow', '2025-04-02T21:00:00.000Z'],
    ['2025-04-03', 'UTC', '2025-04-03T00:00:00.000Z'],
    ['2025-04-03', 'Asia/Vladivostok', '2025-04-02T14:00:00.000Z'],
    // The day Berlin moves its clocks forward: it started at 00:00 CET (UTC+1).
    ['2025-03-30', 'Europe/Berlin', '2025-03-29T23:00:00.000Z'],
    // The day after: 00:00 CEST (UTC+2).
    ['2025-03-31', 'Europe/Berlin', '2025-03-30T22:00:00.000Z'],
    ['2025-11-02', 'America/New_York', '2025-11-02T04:00:00.000Z'],
  ])('day %s in %s starts at %s', (day, zone, iso) => {
    expect(startOfDayInZone(day, zone).toISOString()).toBe(iso);
  });

  it('refuses a malformed day', () => {
    expect(() => startOfDayInZone('03.04.2025', 'UTC')).toThrow(RangeError);
  });

  it.each([
    ['2025-04-03', '2025-04-04'],
    ['2025-02-28', '2025-03-01'],
    ['2024-02-28', '2024-02-29'],
    ['2025-12-31', '2026-01-01'],
  ])('the day after %s is %s', (day, next) => {
    expect(nextDay(day)).toBe(next);
  });

  it('knows real time zones from made-up ones', () => {
    expect(isTimeZone('Europe/Moscow')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('formatTime and formatDateTime', () => {
  const iso = '2025-04-03T10:05:00Z';

  it('shows the time in the user time zone and locale', () => {
    expect(formatTime(iso, { locale: 'ru', timeZone: 'Europe/Moscow' })).toBe('13:05');
    expect(plain(formatTime(iso, { locale: 'en-US', timeZone: 'America/New_York' }))).toBe('6:05 AM');
    expect(formatTime(iso, { locale: 'en-GB', timeZone: 'UTC' })).toBe('10:05');
  });

  it('gives the date with the time', () => {
    expect(plain(formatDateTime(iso, { locale: 'en-GB', timeZone: 'Europe/Moscow' }))).toBe('3 Apr 2025, 13:05');
  });
});

describe('formatRelative', () => {
  const now = new Date('2025-04-03T12:00:00Z');
  it.each<[string, string, string]>([
    ['2025-04-03T11:59:40Z', 'en', 'now'],
    ['2025-04-03T11:55:00Z', 'en', '5 minutes ago'],
    ['2025-04-03T09:00:00Z', 'en', '3 hours ago'],
    ['2025-04-02T10:00:00Z', 'en', 'yesterday'],
    ['2025-03-20T12:00:00Z', 'en', '2 weeks ago'],
    ['2025-04-03T11:55:00Z', 'ru', '5 минут назад'],
    ['2025-04-02T10:00:00Z', 'ru', 'вчера'],
  ])('%s in %s → %s', (iso, locale, text) => {
    expect(formatRelative(iso, locale, now)).toBe(text);
  });
});

describe('formatPhone', () => {
  it.each<[string | null, string]>([
    ['+79123456789', '+7 912 345 67 89'],
    ['+74951234567', '+7 495 123 45 67'],
    ['+442071838750', '+44 20 7183 8750'],
    ['101', '101'],
    ['+123', '+123'],
    ['anonymous', 'anonymous'],
    [null, ''],
  ])('%j → %j', (number, text) => {
    expect(formatPhone(number)).toBe(text);
  });
});

describe('formatNumber and countryName', () => {
  it('groups digits for the locale', () => {
    expect(plain(formatNumber(1234567, 'ru'))).toBe('1 234 567');
    expect(formatNumber(1234567, 'en')).toBe('1,234,567');
  });

  it.each<[string, string, string | null]>([
    ['RU', 'en', 'Russia'],
    ['RU', 'ru', 'Россия'],
    ['KZ', 'ru', 'Казахстан'],
    ['ru', 'en', null],
    ['RUS', 'en', null],
    ['', 'en', null],
  ])('%j in %s → %j', (code, locale, name) => {
    expect(countryName(code, locale)).toBe(name);
  });
});
