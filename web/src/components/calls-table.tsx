import type { Call } from '../api/types.js';
import { useI18n } from '../i18n/i18n-react.js';
import { dayKey } from '../lib/format.js';
import { isDialable } from '../lib/phone.js';
import { navigate } from '../lib/router.js';
import { CallWho, Direction, Outcome } from './call-parts.js';
import { CallButton } from './dialer.js';
import { RecordingPlayer } from './recording-player.js';

/**
 * Call history as a table, with a heading row for each day (in the user's time zone).
 * `callBack` adds a "Call back" button to every row (the missed-calls view).
 */
export function CallsTable({ calls, hideWho, callBack }: { calls: Call[]; hideWho?: boolean; callBack?: boolean }) {
  const { t, fmt, timeZone, intl } = useI18n();
  const today = dayKey(new Date(), timeZone);
  const yesterday = dayKey(new Date(Date.now() - 86_400_000), timeZone);
  const dayLabel = (iso: string) => {
    const key = dayKey(new Date(iso), timeZone);
    if (key === today) return t('calls.today');
    if (key === yesterday) return t('calls.yesterday');
    return new Intl.DateTimeFormat(intl, { timeZone, dateStyle: 'full' }).format(new Date(iso));
  };

  let lastDay = '';
  const columns = hideWho ? 7 : 8;
  return (
    <div className="table-wrap">
      <table className="table calls-table" data-testid="calls-table">
        <thead>
          <tr>
            <th>{t('calls.col.direction')}</th>
            {hideWho ? null : <th>{t('calls.col.who')}</th>}
            <th>{t('calls.col.agent')}</th>
            <th>{t('calls.col.time')}</th>
            <th className="num">{t('calls.col.duration')}</th>
            <th>{t('calls.col.outcome')}</th>
            <th>{t('calls.col.recording')}</th>
            <th aria-label={t('calls.col.actions')} />
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => {
            const day = dayKey(new Date(call.startedAt), timeZone);
            const heading =
              day !== lastDay ? (
                <tr key={`day-${day}`} className="day-row">
                  <th colSpan={columns}>{dayLabel(call.startedAt)}</th>
                </tr>
              ) : null;
            lastDay = day;
            return [
              heading,
              <tr
                key={call.id}
                className={`clickable ${call.missed ? 'row-missed' : ''}`}
                onClick={() => navigate({ name: 'call', id: call.id })}
                data-testid="call-row"
                data-call-id={call.id}
                data-status={call.status}
                data-missed={call.missed ? 'true' : 'false'}
              >
                <td>
                  <Direction call={call} />
                </td>
                {hideWho ? null : (
                  <td>
                    <CallWho call={call} />
                  </td>
                )}
                <td className="nowrap">{call.owner?.name ?? <span className="muted">—</span>}</td>
                <td className="nowrap" title={fmt.dateTime(call.startedAt)}>
                  {fmt.time(call.startedAt)}
                </td>
                <td className="num mono">{fmt.duration(call.duration)}</td>
                <td>
                  <Outcome call={call} />
                </td>
                <td>{call.hasRecording ? <RecordingPlayer callId={call.id} /> : <span className="muted">—</span>}</td>
                <td className="row-actions">
                  {callBack && isDialable(call.clientNumber) ? (
                    <CallButton
                      number={call.clientNumber}
                      label={t('calls.callBack')}
                      testId="call-back"
                      variant="primary"
                    />
                  ) : null}
                </td>
              </tr>,
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}
