/** How a call is shown in lists: direction, who, status, outcome. */
import { useEffect, useState } from 'react';
import type { Call } from '../api/types.js';
import { useI18n } from '../i18n/i18n-react.js';
import { href } from '../lib/router.js';
import { DIRECTION_ICON } from './call-popups.js';
import { isDialable, isNumberName } from '../lib/phone.js';
import { CallButton, PhoneNumber } from './dialer.js';
import { Icon } from './icons.js';
import { Badge } from './ui.js';
import type { Tone } from './ui.js';

export function Direction({ call }: { call: Call }) {
  const { t } = useI18n();
  const missed = call.missed;
  return (
    <span
      className={`direction direction-${call.direction} ${missed ? 'direction-missed' : ''}`}
      title={t(`call.direction.${call.direction}`)}
    >
      <Icon name={missed ? 'phone-missed' : DIRECTION_ICON[call.direction]} size={16} />
      <span className="direction-label">{t(`call.direction.${call.direction}`)}</span>
    </span>
  );
}

/** The contact's name (a link) over the number, or the number alone; each number can be called. */
export function CallWho({ call, noCall }: { call: Call; noCall?: boolean }) {
  const { t, fmt } = useI18n();
  // A contact made for an unknown caller is named after the number: the number is the link then.
  if (call.contact && call.clientNumber && isNumberName(call.contact.name, call.clientNumber)) {
    return (
      <span className="who">
        <span className="phone-number">
          <a
            href={href({ name: 'contact', id: call.contact.id })}
            onClick={(e) => e.stopPropagation()}
            className="who-name mono"
          >
            {fmt.phone(call.clientNumber)}
          </a>
          {noCall || !isDialable(call.clientNumber) ? null : <CallButton number={call.clientNumber} />}
        </span>
      </span>
    );
  }
  return (
    <span className="who">
      {call.contact ? (
        <a
          href={href({ name: 'contact', id: call.contact.id })}
          onClick={(e) => e.stopPropagation()}
          className="who-name"
        >
          {call.contact.name}
          {call.contact.company ? <small> · {call.contact.company}</small> : null}
        </a>
      ) : null}
      {call.clientNumber ? (
        <PhoneNumber number={call.clientNumber} noCall={noCall} />
      ) : (
        <span className="muted">{t('call.hiddenNumber')}</span>
      )}
    </span>
  );
}

const DISPOSITION_TONE: Record<Call['disposition'], Tone> = {
  answered: 'success',
  busy: 'warning',
  cancel: 'neutral',
  no_answer: 'warning',
  unknown: 'neutral',
};

export function Outcome({ call }: { call: Call }) {
  const { t } = useI18n();
  if (call.status !== 'ended') return <LiveStatus call={call} />;
  if (call.missed) return <Badge tone="danger">{t('call.missed')}</Badge>;
  return <Badge tone={DISPOSITION_TONE[call.disposition]}>{t(`call.disposition.${call.disposition}`)}</Badge>;
}

/** "Ringing" or "Talking 1:05", ticking. */
export function LiveStatus({ call }: { call: Call }) {
  const { t, fmt } = useI18n();
  const from = call.status === 'talking' ? (call.answeredAt ?? call.startedAt) : call.startedAt;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.floor((now - Date.parse(from)) / 1000));
  return (
    <Badge tone={call.status === 'talking' ? 'success' : 'info'} testId="live-call-status">
      <span className={`pulse pulse-${call.status}`} aria-hidden="true" />
      {call.status === 'talking' ? t('call.status.talking') : t('call.status.ringing')} {fmt.duration(seconds)}
    </Badge>
  );
}
