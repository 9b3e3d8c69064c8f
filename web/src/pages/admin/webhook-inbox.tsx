import { useState } from 'react';
import { api } from '../../api/api.js';
import type { Page, WebhookEntry, WebhookStatus } from '../../api/types.js';
import { Icon } from '../../components/icons.js';
import { useToast } from '../../components/toasts.js';
import { Badge, Button, Empty, ErrorNote, LoadMore, Loading } from '../../components/ui.js';
import type { Tone } from '../../components/ui.js';
import { useI18n } from '../../i18n/i18n-react.js';
import { prettyBody, prettyJson } from '../../lib/pretty.js';
import { href } from '../../lib/router.js';
import { usePagedList } from '../../lib/use-resource.js';

const STATUSES: WebhookStatus[] = ['pending', 'processed', 'rejected', 'failed', 'duplicate'];

const STATUS_TONE: Record<WebhookStatus, Tone> = {
  pending: 'info',
  processed: 'success',
  rejected: 'warning',
  failed: 'danger',
  duplicate: 'neutral',
};

/** Every request the PBX sent to this connection: what came in, what we answered, what it parsed to. */
export function WebhookInbox({ connectionId }: { connectionId: string }) {
  const { t } = useI18n();
  const [status, setStatus] = useState<WebhookStatus | ''>('');
  const [open, setOpen] = useState<string | number | null>(null);
  const list = usePagedList<WebhookEntry>(
    (cursor, signal) => api.get<Page<WebhookEntry>>('/webhooks', { query: { connectionId, status, cursor }, signal }),
    [connectionId, status],
  );

  return (
    <div className="webhook-inbox">
      <div className="filters">
        <select
          value={status}
          onChange={(e) => setStatus(e.target.value as WebhookStatus | '')}
          aria-label={t('webhooks.status')}
          data-testid="webhooks-filter-status"
        >
          <option value="">{t('webhooks.anyStatus')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`webhooks.statusName.${s}`)}
            </option>
          ))}
        </select>
        <Button small variant="ghost" icon="refresh" onClick={list.refresh} data-testid="webhooks-refresh">
          {t('common.refresh')}
        </Button>
      </div>
      {list.error && list.items.length === 0 ? <ErrorNote error={list.error} /> : null}
      {list.loading ? (
        <Loading />
      ) : list.items.length === 0 && !list.error ? (
        <Empty icon="link" title={t('webhooks.empty')} hint={t('webhooks.emptyHint')} />
      ) : (
        <ul className="webhook-list" data-testid="webhook-list">
          {list.items.map((entry) => (
            <WebhookItem
              key={entry.id}
              entry={entry}
              open={open === entry.id}
              onToggle={() => setOpen((o) => (o === entry.id ? null : entry.id))}
              onReplayed={list.refresh}
            />
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore && !list.loading} busy={list.loadingMore} onClick={list.loadMore} />
    </div>
  );
}

function WebhookItem({
  entry,
  open,
  onToggle,
  onReplayed,
}: {
  entry: WebhookEntry;
  open: boolean;
  onToggle(): void;
  onReplayed(): void;
}) {
  const { t, fmt } = useI18n();
  const notify = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const replay = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`/webhooks/${encodeURIComponent(String(entry.id))}/replay`);
      notify(t('webhooks.replayed'));
      onReplayed();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const query = prettyJson(entry.query);
  return (
    <li
      className={`webhook-item ${open ? 'open' : ''}`}
      data-testid="webhook-row"
      data-webhook-id={entry.id}
      data-status={entry.status}
    >
      <button type="button" className="webhook-summary" onClick={onToggle} aria-expanded={open}>
        <Icon name="chevron-down" size={16} className="chevron" />
        <time className="mono">{fmt.dateTime(entry.receivedAt)}</time>
        <span className="mono webhook-request">
          <strong>{entry.method}</strong> {entry.path}
        </span>
        <Badge tone={STATUS_TONE[entry.status]} testId="webhook-status">
          {t(`webhooks.statusName.${entry.status}`)}
        </Badge>
        <span className="mono muted">{entry.responseStatus ?? '—'}</span>
      </button>
      {open ? (
        <div className="webhook-detail" data-testid="webhook-detail">
          {entry.error ? (
            <div className="note note-error">
              <Icon name="alert" />
              <span>{entry.error}</span>
            </div>
          ) : null}
          <div className="webhook-actions">
            {entry.callId ? (
              <a className="button button-small button-secondary" href={href({ name: 'call', id: entry.callId })}>
                {t('webhooks.openCall')}
              </a>
            ) : null}
            <Button small icon="replay" busy={busy} onClick={() => void replay()} data-testid="webhook-replay">
              {t('webhooks.replay')}
            </Button>
          </div>
          {error ? <ErrorNote error={error} /> : null}
          <div className="webhook-columns">
            <section>
              <h4>{t('webhooks.request')}</h4>
              {query && query !== '{}' ? (
                <>
                  <h5>{t('webhooks.query')}</h5>
                  <pre className="code">{query}</pre>
                </>
              ) : null}
              <h5>{t('webhooks.headers')}</h5>
              <pre className="code">{prettyJson(entry.headers)}</pre>
              <h5>{t('webhooks.body')}</h5>
              <pre className="code" data-testid="webhook-body">
                {prettyBody(entry.body, entry.headers) || t('webhooks.emptyBody')}
              </pre>
            </section>
            <section>
              <h4>{t('webhooks.parseResult')}</h4>
              <pre className="code" data-testid="webhook-parse-result">
                {prettyJson(entry.parseResult) || t('webhooks.notParsed')}
              </pre>
              <h4>{t('webhooks.response', { status: entry.responseStatus ?? '—' })}</h4>
              <pre className="code">{prettyJson(entry.responseBody) || t('webhooks.emptyBody')}</pre>
            </section>
          </div>
        </div>
      ) : null}
    </li>
  );
}
