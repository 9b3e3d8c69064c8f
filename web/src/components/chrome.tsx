/** Pieces of the page frame that the login page shares with the signed-in layout. */
import { useI18n } from '../i18n/i18n-react.js';
import { LOCALES, isLocale } from '../i18n/i18n.js';
import { Icon } from './icons.js';

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <label className="language-switch" title={t('language.label')}>
      <Icon name="globe" size={16} />
      <select
        value={locale}
        onChange={(e) => isLocale(e.target.value) && setLocale(e.target.value)}
        aria-label={t('language.label')}
        data-testid="language-switch"
      >
        {LOCALES.map((code) => (
          <option key={code} value={code}>
            {t(`language.${code}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Logo() {
  return (
    <svg className="logo" width="28" height="28" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="var(--accent)" />
      <path
        d="M10 11 L22 21 M22 11 L22 21"
        stroke="#fff"
        strokeWidth="1.8"
        strokeLinecap="round"
        fill="none"
        opacity=".8"
      />
      <circle cx="10" cy="11" r="2.6" fill="#fff" />
      <circle cx="22" cy="11" r="2.6" fill="#fff" />
      <circle cx="10" cy="21" r="2.6" fill="#fff" opacity=".6" />
      <circle cx="22" cy="21" r="2.6" fill="#fff" />
    </svg>
  );
}
