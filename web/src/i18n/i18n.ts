/** Messages, plurals and the choice of language. React-free, so it is tested as plain functions. */
import { en } from './en.js';
import { ru } from './ru.js';

export type Locale = 'en' | 'ru';
export const LOCALES: readonly Locale[] = ['en', 'ru'];

/** Plural forms keyed by `Intl.PluralRules` categories; `other` is the fallback. */
export interface PluralMessage {
  zero?: string;
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  other: string;
}

export type Message = string | PluralMessage;
export type MessageKey = keyof typeof en;
export type Messages = { [K in MessageKey]: (typeof en)[K] extends string ? string : PluralMessage };
export type Params = Record<string, string | number>;

export const dictionaries: Record<Locale, Messages> = { en, ru };

/**
 * The text for `key` with `{name}` placeholders filled in. A plural message picks its form by
 * `params.count`; numbers are formatted for the locale.
 */
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const message: Message = dictionaries[locale][key];
  let text: string;
  if (typeof message === 'string') {
    text = message;
  } else {
    const count = Number(params?.count ?? 0);
    const category = new Intl.PluralRules(locale).select(count);
    text = message[category] ?? message.other;
  }
  if (!params) return text;
  const numberFormat = new Intl.NumberFormat(locale);
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? numberFormat.format(value) : value;
  });
}

/** Whether `value` is one of the UI languages. */
export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * The UI language: the user's explicit choice in this browser, then the account's locale, then the
 * browser's first preferred language we have (Russian when the browser prefers it), then English.
 */
export function pickLocale(
  stored: string | null,
  accountLocale: string | null | undefined,
  browserLanguages: readonly string[],
): Locale {
  if (isLocale(stored)) return stored;
  const account = accountLocale?.slice(0, 2).toLowerCase();
  if (isLocale(account)) return account;
  for (const tag of browserLanguages) {
    const language = tag.slice(0, 2).toLowerCase();
    if (isLocale(language)) return language;
  }
  return 'en';
}

/**
 * The tag for `Intl` formatters: the browser's regional variant of the UI language when it has one
 * (en-GB gets a 24-hour clock), otherwise the language itself.
 */
export function intlLocale(locale: Locale, browserLanguages: readonly string[]): string {
  const regional = browserLanguages.find((tag) => tag.toLowerCase().startsWith(`${locale}-`));
  if (!regional) return locale;
  try {
    return Intl.getCanonicalLocales(regional)[0] ?? locale;
  } catch {
    return locale;
  }
}
