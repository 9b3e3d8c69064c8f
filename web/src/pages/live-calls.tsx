import { useEffect } from 'react';
import { api } from '../api/api.js';
import type { Call, Page } from '../api/types.js';
import { CallWho, Direction, LiveStatus } from '../components/call-parts.js';
import { Empty, ErrorNote } from '../components/ui.js';
import { useI18n } from '../i18n/i18n-react.js';
import { useLiveEvents } from '../live/live-react.js';
import { href, navigate } from '../lib/router.js';
import { useResource } from '../lib/use-resource.js';

/** Admins see calls they are not on, which no event tells them about, so the list also polls. */
const POLL_MS = 10_000;

async function loadLiveCalls(signal: AbortSignal): Promise<Call[]> {
  const [ringing, talking] = await Promise.all(
    (['ringing', 'talking'] as const).map((status) =>
      api.get<Page<Call>>('/calls', { query: { status, limit: 100 }, signal }),
    ),
  );
  return [...ringing!.items, ...talking!.items].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** Calls going on right now, newest first. */
export function LiveCallsList({ compact }: { compact?: boolean }) {
  const { t, fmt } = useI18n();
  const live = useResource(loadLiveCalls, []);
  const { reload } = live;

  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [reload]);
  useLiveEvents(reload);

  if (live.error && !live.data) return <ErrorNote error={live.error} onRetry={reload} />;
  const calls = live.data ?? [];
  if (calls.length === 0) {
    return live.loading ? null : (
      <Empty icon="phone" title={t('calls.noLive')} hint={compact ? undefined : t('calls.noLiveHint')} />
    );
  }
  return (
    <ul className="live-list" data-testid="live-calls">
      {calls.map((call) => (
        <li
          key={call.id}
          className="live-item"
          data-testid="live-call-row"
          data-call-id={call.id}
          onClick={() => navigate({ name: 'call', id: call.id })}
        >
          <Direction call={call} />
          <CallWho call={call} noCall />
          {compact ? null : <span className="muted">{call.owner?.name ?? '—'}</span>}
          <a
            className="muted live-time"
            href={href({ name: 'call', id: call.id })}
            onClick={(e) => e.stopPropagation()}
          >
            {fmt.time(call.startedAt)}
          </a>
          <LiveStatus call={call} />
        </li>
      ))}
    </ul>
  );
}
