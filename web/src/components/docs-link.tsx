import { useI18n } from '../i18n/i18n-react.js';
import { Icon } from './icons.js';

/** The provider's setup guide: a link when it is a web address, else the guide's path in the docs. */
export function DocsLink({ url }: { url: string }) {
  const { t } = useI18n();
  if (!url) return null;
  if (/^https?:\/\//.test(url)) {
    return (
      <a className="button button-small button-ghost" href={url} target="_blank" rel="noreferrer">
        <Icon name="external" size={15} />
        {t('telephony.setupGuide')}
      </a>
    );
  }
  return <span className="muted small">{t('telephony.setupGuideAt', { path: url })}</span>;
}
