import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import {
  countryName,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatPhone,
  formatRelative,
  formatTime,
} from '../lib/format.js';
import { intlLocale, pickLocale, translate } from './i18n.js';
import type { Locale, MessageKey, Params } from './i18n.js';

const STORAGE_KEY = 'switchboard.locale';

export interface Formatters {
  time(iso: string): string;
  dateTime(iso: string): string;
  relative(iso: string): string;
  duration(seconds: number | null | undefined): string;
  number(value: number): string;
  phone(number: string | null | undefined): string;
  country(code: string): string | null;
}

export interface I18n {
  locale: Locale;
  /** The tag the formatters use, e.g. `en-GB`. */
  intl: string;
  timeZone: string;
  setLocale(locale: Locale): void;
  t(key: MessageKey, params?: Params): string;
  fmt: Formatters;
}

const I18nContext = createContext<I18n | null>(null);

function readStored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function I18nProvider(props: { accountLocale?: string | null; timeZone: string; children: ReactNode }) {
  const { accountLocale, timeZone, children } = props;
  const [languages] = useState<readonly string[]>(() => (typeof navigator === 'undefined' ? [] : navigator.languages));
  const [stored, setStored] = useState(readStored);
  const locale = pickLocale(stored, accountLocale, languages);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const setLocale = useCallback((next: Locale) => {
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    setStored(next);
  }, []);

  const value = useMemo<I18n>(() => {
    const intl = intlLocale(locale, languages);
    const ctx = { locale: intl, timeZone };
    return {
      locale,
      intl,
      timeZone,
      setLocale,
      t: (key, params) => translate(locale, key, params),
      fmt: {
        time: (iso) => formatTime(iso, ctx),
        dateTime: (iso) => formatDateTime(iso, ctx),
        relative: (iso) => formatRelative(iso, intl),
        duration: formatDuration,
        number: (n) => formatNumber(n, intl),
        phone: formatPhone,
        country: (code) => countryName(code, intl),
      },
    };
  }, [locale, languages, timeZone, setLocale]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
