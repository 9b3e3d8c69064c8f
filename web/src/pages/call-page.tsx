import { api, listUsers } from '../api/api.js';
import type { CallDetail, User } from '../api/types.js';
import { CallWho, Direction, Outcome } from '../components/call-parts.js';
import { CallButton } from '../components/dialer.js';
import { Icon } from '../components/icons.js';
import { RecordingPlayer } from '../components/recording-player.js';
import { Card, ErrorNote, Loading, PageHeader } from '../components/ui.js';
import { useI18n } from '../i18n/i18n-react.js';
import { useLiveEvents } from '../live/live-react.js';
import { isDialable } from '../lib/phone.js';
import { href } from '../lib/router.js';
import { useResource } from '../lib/use-resource.js';
import { useSession } from '../session.js';

/** One call: its summary, every agent it rang (legs) and what the hub did (timeline). */
export function CallPage({ id }: { id: string }) {
  const { t, fmt } = useI18n();
  const { isAdmin } = useSession();
  const detail = useResource((signal) => api.get<CallDetail>(`/calls/${encodeURIComponent(id)}`, { signal }), [id]);
  const users = useResource((signal) => (isAdmin ? listUsers(signal) : Promise.resolve([] as User[])), [isAdmin]);
  useLiveEvents((event) => {
    if ('call' in event && event.call.id === id) detail.reload();
  });

  const names = new Map((users.data ?? []).map((u) => [u.id, u.name]));
  const call = detail.data;

  return (
    <div className="page">
      <PageHeader
        back={href({ name: 'calls', tab: 'all' })}
        title={t('call.title')}
        subtitle={call ? fmt.dateTime(call.startedAt) : null}
      />
      {detail.error ? <ErrorNote error={detail.error} onRetry={detail.reload} /> : null}
      {!call && detail.loading ? <Loading /> : null}
      {call ? (
        <>
          <Card
            title={
              <span className="inline-title">
                <Direction call={call} /> <Outcome call={call} />
              </span>
            }
            actions={
              <>
                {!call.contact && call.clientNumber && call.direction !== 'internal' ? (
                  <a
                    className="button button-small button-secondary"
                    href={href({ name: 'contact-new', phone: call.clientNumber })}
                  >
                    <Icon name="user-plus" size={15} />
                    {t('popup.createContact')}
                  </a>
                ) : null}
                {isDialable(call.clientNumber) ? (
                  <CallButton number={call.clientNumber} label={t('calls.callBack')} variant="primary" />
                ) : null}
              </>
            }
          >
            <dl className="details" data-testid="call-details">
              <dt>{t('calls.col.who')}</dt>
              <dd>
                <CallWho call={call} noCall />
              </dd>
              <dt>{t('calls.col.agent')}</dt>
              <dd>{call.owner?.name ?? '—'}</dd>
              <dt>{t('call.started')}</dt>
              <dd>{fmt.dateTime(call.startedAt)}</dd>
              <dt>{t('call.answered')}</dt>
              <dd>{call.answeredAt ? fmt.dateTime(call.answeredAt) : '—'}</dd>
              <dt>{t('call.ended')}</dt>
              <dd>{call.endedAt ? fmt.dateTime(call.endedAt) : '—'}</dd>
              <dt>{t('calls.col.duration')}</dt>
              <dd className="mono">{fmt.duration(call.duration)}</dd>
              <dt>{t('calls.col.recording')}</dt>
              <dd>
                {call.hasRecording ? (
                  <RecordingPlayer callId={call.id} />
                ) : (
                  <span className="muted">{t('recording.none')}</span>
                )}
              </dd>
            </dl>
          </Card>

          <Card title={t('call.legs')}>
            {call.legs.length === 0 ? (
              <p className="muted">{t('call.noLegs')}</p>
            ) : (
              <div className="table-wrap">
                <table className="table" data-testid="call-legs">
                  <thead>
                    <tr>
                      <th>{t('call.leg.extension')}</th>
                      <th>{t('call.leg.agent')}</th>
                      <th>{t('call.leg.outcome')}</th>
                      <th>{t('call.leg.rung')}</th>
                      <th>{t('call.answered')}</th>
                      <th>{t('call.ended')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {call.legs.map((leg) => (
                      <tr key={leg.id}>
                        <td className="mono">{leg.extension}</td>
                        <td>
                          {leg.userId ? (
                            (names.get(leg.userId) ??
                            (leg.userId === call.owner?.id ? call.owner.name : t('call.leg.boundUser')))
                          ) : (
                            <span className="muted">{t('call.leg.unbound')}</span>
                          )}
                        </td>
                        <td>{leg.outcome ? t(legOutcomeKey(leg.outcome)) : t(`call.status.${leg.status}`)}</td>
                        <td className="nowrap">{fmt.time(leg.rungAt)}</td>
                        <td className="nowrap">{leg.answeredAt ? fmt.time(leg.answeredAt) : '—'}</td>
                        <td className="nowrap">{leg.endedAt ? fmt.time(leg.endedAt) : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>

          <Card title={t('call.timeline')}>
            <ol className="timeline" data-testid="call-timeline">
              {call.timeline.map((entry, i) => (
                <li key={`${entry.at}-${i}`}>
                  <time className="mono">{fmt.time(entry.at)}</time>
                  <div>
                    <strong>{entry.kind}</strong>
                    {entry.detail !== null &&
                    entry.detail !== undefined &&
                    !(typeof entry.detail === 'object' && Object.keys(entry.detail).length === 0) ? (
                      <pre className="code small">
                        {typeof entry.detail === 'string' ? entry.detail : JSON.stringify(entry.detail, null, 2)}
                      </pre>
                    ) : null}
                  </div>
                </li>
              ))}
            </ol>
          </Card>
        </>
      ) : null}
    </div>
  );
}

const LEG_OUTCOMES = ['answered', 'answered_elsewhere', 'missed', 'busy', 'cancelled', 'transferred'] as const;

function legOutcomeKey(outcome: string) {
  const known = (LEG_OUTCOMES as readonly string[]).includes(outcome)
    ? (outcome as (typeof LEG_OUTCOMES)[number])
    : 'other';
  return `call.leg.outcome.${known}` as const;
}
