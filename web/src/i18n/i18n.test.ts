import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { LOCALES, dictionaries, intlLocale, pickLocale, translate } from './i18n.js';
import type { Message, MessageKey } from './i18n.js';

const keys = Object.keys(en) as MessageKey[];

function texts(message: Message): string[] {
  return typeof message === 'string'
    ? [message]
    : Object.values(message).filter((v): v is string => typeof v === 'string');
}

function placeholders(message: Message): string[] {
  return [...new Set(texts(message).flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)))].sort();
}

describe('dictionaries', () => {
  it.each(LOCALES)('%s has exactly the keys of the English dictionary', (locale) => {
    expect(Object.keys(dictionaries[locale]).sort()).toEqual([...keys].sort());
  });

  it.each(LOCALES)('%s has no empty text', (locale) => {
    const empty = keys.filter((key) => texts(dictionaries[locale][key]).some((text) => text.trim() === ''));
    expect(empty).toEqual([]);
  });

  it.each(LOCALES)('%s uses the same placeholders as English in every message', (locale) => {
    const mismatched = keys.filter(
      (key) => placeholders(dictionaries[locale][key]).join() !== placeholders(en[key]).join(),
    );
    expect(mismatched).toEqual([]);
  });

  it.each(LOCALES)('%s gives every plural message all the forms its language needs, with {count}', (locale) => {
    const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
    const problems: string[] = [];
    for (const key of keys) {
      const message = dictionaries[locale][key];
      if (typeof message === 'string') continue;
      for (const category of categories) {
        const form = message[category as keyof typeof message];
        if (!form) problems.push(`${key}: no "${category}"`);
        else if (!form.includes('{count}')) problems.push(`${key}.${category}: no {count}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps plural and plain messages plural and plain in both languages', () => {
    const shapeDiffers = keys.filter((key) => typeof dictionaries.ru[key] !== typeof en[key]);
    expect(shapeDiffers).toEqual([]);
  });

  it('really translates: most Russian texts differ from the English ones', () => {
    const same = keys.filter((key) => JSON.stringify(dictionaries.ru[key]) === JSON.stringify(en[key]));
    // Names and terms kept as is: the product name, the language names, "Webhook URL".
    expect(same.sort()).toEqual(['app.name', 'connection.webhookUrl', 'language.en', 'language.ru']);
  });
});

describe('translate', () => {
  it('fills placeholders and formats numbers for the language', () => {
    expect(translate('en', 'error.http', { status: 502 })).toBe(
      'The server answered with an error (HTTP 502). Try again in a moment.',
    );
    expect(translate('en', 'import.progress', { done: 1200, count: 3400 })).toBe('Imported 1,200 of 3,400 rows…');
    expect(translate('ru', 'import.progress', { done: 1200, count: 3400 })).toBe(
      'Загружено 1\u00a0200 из 3\u00a0400 строк…',
    );
  });

  it.each<[number, string]>([
    [1, '1 пропущенный звонок'],
    [2, '2 пропущенных звонка'],
    [5, '5 пропущенных звонков'],
    [11, '11 пропущенных звонков'],
    [21, '21 пропущенный звонок'],
    [22, '22 пропущенных звонка'],
  ])('picks the Russian plural form for %i', (count, text) => {
    expect(translate('ru', 'missed.counter', { count })).toBe(text);
  });

  it.each<[number, string]>([
    [1, '1 missed call'],
    [0, '0 missed calls'],
    [7, '7 missed calls'],
  ])('picks the English plural form for %i', (count, text) => {
    expect(translate('en', 'missed.counter', { count })).toBe(text);
  });

  it('leaves a placeholder without a value visible rather than dropping it', () => {
    expect(translate('en', 'popup.line', {})).toBe('Line {line}');
  });
});

describe('pickLocale', () => {
  it.each<[string | null, string | null, string[], string]>([
    [null, null, ['ru-RU', 'en-US'], 'ru'],
    [null, null, ['de-DE', 'ru'], 'ru'],
    [null, null, ['en-GB', 'ru-RU'], 'en'],
    [null, null, ['de-DE', 'fr'], 'en'],
    [null, null, [], 'en'],
    [null, 'ru', ['en-US'], 'ru'],
    [null, 'en-GB', ['ru-RU'], 'en'],
    [null, 'de', ['ru-RU'], 'ru'],
    ['en', 'ru', ['ru-RU'], 'en'],
    ['xx', null, ['ru'], 'ru'],
  ])('stored %j, account %j, browser %j → %s', (stored, account, languages, expected) => {
    expect(pickLocale(stored, account, languages)).toBe(expected);
  });
});

describe('intlLocale', () => {
  it.each<[Parameters<typeof intlLocale>[0], string[], string]>([
    ['en', ['en-GB', 'ru-RU'], 'en-GB'],
    ['en', ['ru-RU', 'en-us'], 'en-US'],
    ['ru', ['en-GB'], 'ru'],
    ['ru', ['ru-KZ'], 'ru-KZ'],
    ['en', [], 'en'],
  ])('%s with browser %j formats as %s', (locale, languages, expected) => {
    expect(intlLocale(locale, languages)).toBe(expected);
  });
});
