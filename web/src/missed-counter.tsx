import { useEffect, useState } from 'react';
import { api } from './api/api.js';
import { Icon } from './components/icons.js';
import { useI18n } from './i18n/i18n-react.js';
import { useLiveEvents } from './live/live-react.js';
import { onMissedSeenChange, readMissedSeen } from './lib/missed-seen.js';
import { href } from './lib/router.js';
import { useResource } from './lib/use-resource.js';
import { useSession } from './session.js';

/** The phone in the header with the number of missed calls since the user last opened the list. */
export function MissedCounter() {
  const { t, timeZone } = useI18n();
  const { me } = useSession();
  const [since, setSince] = useState(() => readMissedSeen(me.user.id, timeZone));

  useEffect(() => {
    setSince(readMissedSeen(me.user.id, timeZone));
    return onMissedSeenChange(() => setSince(readMissedSeen(me.user.id, timeZone)));
  }, [me.user.id, timeZone]);

  const count = useResource(
    (signal) => api.get<{ count: number }>('/calls/missed-count', { query: { since }, signal }),
    [since],
  );

  useLiveEvents((event) => {
    if (event.type === 'call.missed' || event.type === 'snapshot') count.reload();
  });

  const n = count.data?.count ?? 0;
  const label = n > 0 ? t('missed.counter', { count: n }) : t('missed.none');
  return (
    <a
      className={`missed-counter ${n > 0 ? 'has-missed' : ''}`}
      href={href({ name: 'calls', tab: 'missed' })}
      title={label}
      aria-label={label}
      data-testid="missed-counter"
      data-count={n}
    >
      <Icon name="phone-missed" size={20} />
      {n > 0 ? (
        <span className="counter-badge" data-testid="missed-counter-value">
          {n > 99 ? '99+' : n}
        </span>
      ) : null}
    </a>
  );
}
