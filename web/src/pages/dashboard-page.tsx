import { useEffect, useRef } from 'react';
import { api } from '../api/api.js';
import type { TodayStats } from '../api/types.js';
import { Icon } from '../components/icons.js';
import type { IconName } from '../components/icons.js';
import { Card, Empty, ErrorNote, Loading, PageHeader } from '../components/ui.js';
import { useI18n } from '../i18n/i18n-react.js';
import { useLiveEvents } from '../live/live-react.js';
import { axisTicks } from '../lib/chart.js';
import { href } from '../lib/router.js';
import { useResource } from '../lib/use-resource.js';
import { LiveCallsList } from './live-calls.js';

const REFRESH_MS = 30_000;

export function DashboardPage() {
  const { t, fmt } = useI18n();
  const stats = useResource((signal) => api.get<TodayStats>('/stats/today', { signal }), []);
  const { reload } = stats;

  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  // Several events arrive per call; one refresh a second is plenty.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(pending.current), []);
  useLiveEvents(() => {
    clearTimeout(pending.current);
    pending.current = setTimeout(reload, 1000);
  });

  const data = stats.data;
  const totals = (data?.perAgent ?? []).reduce(
    (sum, agent) => ({
      answered: sum.answered + agent.answered,
      missed: sum.missed + agent.missed,
      talkSeconds: sum.talkSeconds + agent.talkSeconds,
    }),
    { answered: 0, missed: 0, talkSeconds: 0 },
  );

  return (
    <div className="page">
      <PageHeader title={t('dashboard.title')} subtitle={t('dashboard.subtitle')} />
      {stats.error && !data ? <ErrorNote error={stats.error} onRetry={reload} /> : null}
      {!data && stats.loading ? <Loading /> : null}
      {data ? (
        <>
          <div className="stat-grid">
            <Stat
              icon="phone"
              tone="accent"
              label={t('dashboard.liveNow')}
              value={fmt.number(data.live)}
              testId="stat-live"
            />
            <Stat
              icon="phone-in"
              tone="success"
              label={t('dashboard.answered')}
              value={fmt.number(totals.answered)}
              testId="stat-answered"
            />
            <Stat
              icon="phone-missed"
              tone="danger"
              label={t('dashboard.missed')}
              value={fmt.number(totals.missed)}
              testId="stat-missed"
              link={href({ name: 'calls', tab: 'missed' })}
            />
            <Stat
              icon="calls"
              tone="info"
              label={t('dashboard.talkTime')}
              value={fmt.duration(totals.talkSeconds)}
              testId="stat-talk"
            />
          </div>
          <div className="dashboard-grid">
            <Card title={t('dashboard.perHour')}>
              <HourlyChart perHour={data.perHour} />
            </Card>
            <Card title={t('dashboard.liveCalls')}>
              <LiveCallsList compact />
            </Card>
          </div>
          <Card title={t('dashboard.perAgent')}>
            {data.perAgent.length === 0 ? (
              <Empty icon="users" title={t('dashboard.noAgentCalls')} />
            ) : (
              <div className="table-wrap">
                <table className="table" data-testid="agent-stats">
                  <thead>
                    <tr>
                      <th>{t('dashboard.agent')}</th>
                      <th className="num">{t('dashboard.answered')}</th>
                      <th className="num">{t('dashboard.missed')}</th>
                      <th className="num">{t('dashboard.talkTime')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...data.perAgent]
                      .sort((a, b) => b.answered + b.missed - (a.answered + a.missed))
                      .map((agent) => (
                        <tr key={agent.userId} data-testid="agent-stats-row" data-user-id={agent.userId}>
                          <td>{agent.name}</td>
                          <td className="num">{fmt.number(agent.answered)}</td>
                          <td className={`num ${agent.missed > 0 ? 'text-danger' : ''}`}>{fmt.number(agent.missed)}</td>
                          <td className="num mono">{fmt.duration(agent.talkSeconds)}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
        </>
      ) : null}
    </div>
  );
}

function Stat(props: { icon: IconName; tone: string; label: string; value: string; testId: string; link?: string }) {
  const body = (
    <>
      <span className={`stat-icon tone-${props.tone}`}>
        <Icon name={props.icon} size={20} />
      </span>
      <span className="stat-text">
        <span className="stat-value" data-testid={props.testId}>
          {props.value}
        </span>
        <span className="stat-label">{props.label}</span>
      </span>
    </>
  );
  return props.link ? (
    <a className="stat stat-link" href={props.link}>
      {body}
    </a>
  ) : (
    <div className="stat">{body}</div>
  );
}

const SERIES = [
  { key: 'in', className: 'bar-in' },
  { key: 'out', className: 'bar-out' },
  { key: 'missed', className: 'bar-missed' },
] as const;

/** Calls per hour for the last day as grouped bars: incoming, outgoing, missed. */
function HourlyChart({ perHour }: { perHour: TodayStats['perHour'] }) {
  const { t, fmt, intl, timeZone } = useI18n();
  const hours = [...perHour].sort((a, b) => a.hour.localeCompare(b.hour));
  if (hours.length === 0) return <Empty icon="dashboard" title={t('dashboard.noCalls')} />;

  const width = 720;
  const height = 220;
  const pad = { top: 12, right: 8, bottom: 28, left: 32 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...hours.flatMap((h) => [h.in, h.out, h.missed]));
  const ticks = axisTicks(max);
  const top = ticks[ticks.length - 1]!;
  const slot = plotW / hours.length;
  const barW = Math.max(2, Math.min(10, (slot - 4) / 3));
  const y = (v: number) => pad.top + plotH - (v / top) * plotH;
  const hourLabel = new Intl.DateTimeFormat(intl, { timeZone, hour: 'numeric' });
  const series = { in: t('dashboard.series.in'), out: t('dashboard.series.out'), missed: t('dashboard.series.missed') };

  return (
    <figure className="chart" data-testid="hourly-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={t('dashboard.perHour')}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line className="chart-grid" x1={pad.left} x2={width - pad.right} y1={y(tick)} y2={y(tick)} />
            <text className="chart-axis" x={pad.left - 6} y={y(tick) + 4} textAnchor="end">
              {fmt.number(tick)}
            </text>
          </g>
        ))}
        {hours.map((h, i) => {
          const x0 = pad.left + i * slot + (slot - barW * 3) / 2;
          const label = hourLabel.format(new Date(h.hour));
          return (
            <g key={h.hour} className="chart-slot">
              <title>{`${label}: ${series.in} ${h.in}, ${series.out} ${h.out}, ${series.missed} ${h.missed}`}</title>
              <rect className="chart-hover" x={pad.left + i * slot} y={pad.top} width={slot} height={plotH} />
              {SERIES.map((s, j) => {
                const value = h[s.key];
                return value > 0 ? (
                  <rect
                    key={s.key}
                    className={s.className}
                    x={x0 + j * barW}
                    y={y(value)}
                    width={barW - 1}
                    height={Math.max(1, y(0) - y(value))}
                    rx={1.5}
                  />
                ) : null;
              })}
              {i % 3 === 0 ? (
                <text className="chart-axis" x={pad.left + i * slot + slot / 2} y={height - 8} textAnchor="middle">
                  {label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="chart-legend">
        {SERIES.map((s) => (
          <span key={s.key}>
            <i className={s.className} />
            {series[s.key]}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
