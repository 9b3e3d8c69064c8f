import { useEffect, useState } from 'react';
import { api, listUsers } from '../api/api.js';
import type { Call, CallDirection, Page, User } from '../api/types.js';
import { CallsTable } from '../components/calls-table.js';
import { Card, Empty, ErrorNote, LoadMore, Loading, PageHeader } from '../components/ui.js';
import { useI18n } from '../i18n/i18n-react.js';
import { useLiveEvents } from '../live/live-react.js';
import { nextDay, startOfDayInZone } from '../lib/format.js';
import { markMissedSeen } from '../lib/missed-seen.js';
import { href } from '../lib/router.js';
import type { CallsTab } from '../lib/router.js';
import { useDebounced } from '../lib/use-debounced.js';
import { usePagedList, useResource } from '../lib/use-resource.js';
import { useSession } from '../session.js';
import { LiveCallsList } from './live-calls.js';

const PAGE_SIZE = 50;

interface Filters {
  phone: string;
  direction: CallDirection | '';
  userId: string;
  since: string;
  until: string;
}

const noFilters: Filters = { phone: '', direction: '', userId: '', since: '', until: '' };

export function CallsPage({ tab }: { tab: CallsTab }) {
  const { t, timeZone } = useI18n();
  const { me, isAdmin } = useSession();
  const [filters, setFilters] = useState<Filters>(noFilters);
  const phone = useDebounced(filters.phone.trim());
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));

  const users = useResource((signal) => (isAdmin ? listUsers(signal) : Promise.resolve([] as User[])), [isAdmin]);

  const query = {
    status: tab === 'missed' ? undefined : 'ended',
    missed: tab === 'missed' ? 'true' : undefined,
    direction: filters.direction,
    userId: filters.userId,
    phone,
    since: filters.since ? startOfDayInZone(filters.since, timeZone).toISOString() : undefined,
    until: filters.until ? startOfDayInZone(nextDay(filters.until), timeZone).toISOString() : undefined,
    limit: PAGE_SIZE,
  };
  const list = usePagedList<Call>(
    (cursor, signal) => api.get<Page<Call>>('/calls', { query: { ...query, cursor }, signal }),
    [tab, filters.direction, filters.userId, phone, filters.since, filters.until, timeZone],
  );

  // Looking at the missed list is what clears the header counter, also for calls missed meanwhile.
  // The PBX dates a call by its own clock, which may run ahead of this computer's: every listed call
  // counts as seen, whatever its time.
  const newestMissed =
    tab === 'missed' ? list.items.reduce((newest, call) => Math.max(newest, Date.parse(call.startedAt) + 1), 0) : 0;
  useEffect(() => {
    if (tab === 'missed') markMissedSeen(me.user.id, new Date(Math.max(Date.now(), newestMissed)));
  }, [tab, me.user.id, newestMissed]);

  useLiveEvents((event) => {
    if (
      event.type === 'call.ended' ||
      event.type === 'call.missed' ||
      event.type === 'call.recorded' ||
      event.type === 'snapshot'
    ) {
      list.refresh();
      if (tab === 'missed' && event.type === 'call.missed') markMissedSeen(me.user.id);
    }
  });

  const filtered = JSON.stringify(filters) !== JSON.stringify(noFilters);

  return (
    <div className="page">
      <PageHeader title={t('calls.title')} />
      {tab === 'all' ? (
        <Card title={t('calls.live')}>
          <LiveCallsList />
        </Card>
      ) : null}

      <div className="tabs" role="tablist">
        <a
          role="tab"
          className={`tab ${tab === 'all' ? 'active' : ''}`}
          aria-selected={tab === 'all'}
          href={href({ name: 'calls', tab: 'all' })}
          data-testid="calls-tab-all"
        >
          {t('calls.tab.all')}
        </a>
        <a
          role="tab"
          className={`tab ${tab === 'missed' ? 'active' : ''}`}
          aria-selected={tab === 'missed'}
          href={href({ name: 'calls', tab: 'missed' })}
          data-testid="calls-tab-missed"
        >
          {t('calls.tab.missed')}
        </a>
      </div>

      <div className="filters">
        <input
          type="search"
          placeholder={t('calls.filter.phone')}
          value={filters.phone}
          onChange={(e) => set({ phone: e.target.value })}
          aria-label={t('calls.filter.phone')}
          data-testid="calls-filter-phone"
        />
        <select
          value={filters.direction}
          onChange={(e) => set({ direction: e.target.value as Filters['direction'] })}
          aria-label={t('calls.filter.direction')}
          data-testid="calls-filter-direction"
        >
          <option value="">{t('calls.filter.anyDirection')}</option>
          {(['in', 'out', 'internal'] as const).map((d) => (
            <option key={d} value={d}>
              {t(`call.direction.${d}`)}
            </option>
          ))}
        </select>
        {isAdmin ? (
          <select
            value={filters.userId}
            onChange={(e) => set({ userId: e.target.value })}
            aria-label={t('calls.filter.agent')}
            data-testid="calls-filter-agent"
          >
            <option value="">{t('calls.filter.anyAgent')}</option>
            {(users.data ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        ) : null}
        <label className="inline-field">
          <span>{t('calls.filter.since')}</span>
          <input
            type="date"
            value={filters.since}
            max={filters.until || undefined}
            onChange={(e) => set({ since: e.target.value })}
          />
        </label>
        <label className="inline-field">
          <span>{t('calls.filter.until')}</span>
          <input
            type="date"
            value={filters.until}
            min={filters.since || undefined}
            onChange={(e) => set({ until: e.target.value })}
          />
        </label>
        {filtered ? (
          <button type="button" className="link-button" onClick={() => setFilters(noFilters)}>
            {t('calls.filter.clear')}
          </button>
        ) : null}
      </div>

      <Card>
        {list.error && list.items.length === 0 ? <ErrorNote error={list.error} /> : null}
        {list.loading ? (
          <Loading />
        ) : list.items.length === 0 && !list.error ? (
          <Empty
            icon={tab === 'missed' ? 'phone-missed' : 'calls'}
            title={tab === 'missed' ? t('calls.noMissed') : filtered ? t('calls.noMatches') : t('calls.noCalls')}
          />
        ) : (
          <CallsTable calls={list.items} callBack={tab === 'missed'} />
        )}
        <LoadMore hasMore={list.hasMore && !list.loading} busy={list.loadingMore} onClick={list.loadMore} />
      </Card>
    </div>
  );
}
