/** The call cards in the corner of every page, driven by the shared live state. */
import { useEffect, useState } from 'react';
import type { Call } from '../api/types.js';
import { useI18n } from '../i18n/i18n-react.js';
import { useLive } from '../live/live-react.js';
import type { LiveCall } from '../live/live-state.js';
import { setTitleAlert } from '../lib/page-title.js';
import { isNumberName } from '../lib/phone.js';
import { href } from '../lib/router.js';
import { useSession } from '../session.js';
import { Icon } from './icons.js';
import type { IconName } from './icons.js';

export const DIRECTION_ICON: Record<Call['direction'], IconName> = {
  in: 'phone-in',
  out: 'phone-out',
  internal: 'phone-internal',
};

/** Seconds since `iso`, ticking every second. */
function useElapsed(iso: string | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!iso) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [iso]);
  return iso ? Math.max(0, Math.floor((now - Date.parse(iso)) / 1000)) : 0;
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return words
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

function PopupCard({ live, onDismiss }: { live: LiveCall; onDismiss(): void }) {
  const { t, fmt } = useI18n();
  const { me } = useSession();
  const { call, phase } = live;
  const elapsed = useElapsed(phase === 'talking' ? (call.answeredAt ?? call.startedAt) : null);
  const lines = me.extensions.filter((e) => e.connectionId === call.connectionId).map((e) => e.extension);
  const number = fmt.phone(call.clientNumber) || t('call.hiddenNumber');
  // A contact the hub made for an unknown caller carries the number as its name: say it once.
  const name = call.contact && !isNumberName(call.contact.name, call.clientNumber) ? call.contact.name : null;

  const directionLabel = t(`popup.direction.${call.direction}`);
  const status =
    phase === 'talking'
      ? t('popup.talking', { time: fmt.duration(elapsed) })
      : call.direction === 'out'
        ? t('popup.dialing')
        : t('popup.ringing');

  return (
    <article
      className={`popup popup-${phase}`}
      data-testid="call-popup"
      data-call-id={call.id}
      data-phase={phase}
      aria-label={`${directionLabel}: ${call.contact?.name ?? number}`}
    >
      <header className="popup-header">
        <span className="popup-direction">
          <Icon name={DIRECTION_ICON[call.direction]} size={15} />
          {directionLabel}
        </span>
        {lines.length > 0 ? <span className="popup-line">{t('popup.line', { line: lines.join(', ') })}</span> : null}
        <button
          type="button"
          className="icon-button"
          onClick={onDismiss}
          aria-label={t('popup.dismiss')}
          data-testid="popup-dismiss"
        >
          <Icon name="close" size={15} />
        </button>
      </header>
      <div className="popup-body">
        <div className={`avatar avatar-large ${name ? '' : 'avatar-unknown'}`} aria-hidden="true">
          {name ? initials(name) : <Icon name="phone" size={22} />}
        </div>
        <div className="popup-who">
          <strong data-testid="call-popup-name">{name ?? (call.contact ? number : t('popup.unknown'))}</strong>
          {call.contact?.company ? <span className="popup-company">{call.contact.company}</span> : null}
          {name || !call.contact ? <span className="mono popup-number">{number}</span> : null}
        </div>
      </div>
      <div className="popup-footer">
        <span className={`popup-status status-${phase}`} data-testid="call-popup-status" data-phase={phase}>
          <span className="pulse" aria-hidden="true" />
          {status}
        </span>
        {call.contact ? (
          <a
            className="button button-small button-secondary"
            href={href({ name: 'contact', id: call.contact.id })}
            data-testid="popup-open-contact"
          >
            {t('popup.openContact')}
          </a>
        ) : call.clientNumber && call.direction !== 'internal' ? (
          <a
            className="button button-small button-primary"
            href={href({ name: 'contact-new', phone: call.clientNumber })}
            data-testid="popup-create-contact"
          >
            <Icon name="user-plus" size={15} />
            {t('popup.createContact')}
          </a>
        ) : null}
      </div>
    </article>
  );
}

/** Puts the ringing caller into the tab title, so a call is noticed in a background tab. */
function useRingingTitle(ringing: LiveCall | undefined) {
  const { t, fmt } = useI18n();
  const label = ringing
    ? ringing.call.contact && !isNumberName(ringing.call.contact.name, ringing.call.clientNumber)
      ? ringing.call.contact.name
      : fmt.phone(ringing.call.clientNumber) || t('popup.unknown')
    : null;
  useEffect(() => {
    setTitleAlert(label);
    return () => setTitleAlert(null);
  }, [label]);
}

export function CallPopups() {
  const { state, hub } = useLive();
  const ringing = state.calls.find((c) => c.phase === 'ringing' && c.call.direction === 'in');
  useRingingTitle(ringing);
  if (state.calls.length === 0) return null;
  return (
    <div className="popups" aria-live="assertive" data-testid="call-popups">
      {state.calls.map((live) => (
        <PopupCard key={live.call.id} live={live} onDismiss={() => hub?.dismiss(live.call.id)} />
      ))}
    </div>
  );
}
