import { api } from '../../api/api.js';
import type { Connection, Connector } from '../../api/types.js';
import { Icon } from '../../components/icons.js';
import { Badge, Card, Empty, ErrorNote, Loading, PageHeader } from '../../components/ui.js';
import { useI18n } from '../../i18n/i18n-react.js';
import { href, navigate } from '../../lib/router.js';
import { useResource } from '../../lib/use-resource.js';

/** Admin → Telephony: every PBX connection at a glance. */
export function ConnectionsPage() {
  const { t, fmt } = useI18n();
  const connections = useResource((signal) => api.get<Connection[]>('/connections', { signal }), []);
  const connectors = useResource((signal) => api.get<Connector[]>('/connectors', { signal }), []);
  const connectorName = (id: string) => connectors.data?.find((c) => c.id === id)?.name ?? id;

  return (
    <div className="page">
      <PageHeader
        title={t('telephony.title')}
        subtitle={t('telephony.subtitle')}
        actions={
          <>
            <a className="button button-secondary" href={href({ name: 'modules' })} data-testid="modules-link">
              {t('modules.title')}
            </a>
            <a className="button button-primary" href={href({ name: 'connection-new' })} data-testid="connection-add">
              <Icon name="plus" size={17} />
              {t('telephony.add')}
            </a>
          </>
        }
      />
      <Card>
        {connections.error ? <ErrorNote error={connections.error} onRetry={connections.reload} /> : null}
        {!connections.data && connections.loading ? <Loading /> : null}
        {connections.data?.length === 0 ? (
          <Empty
            icon="telephony"
            title={t('telephony.empty')}
            hint={t('telephony.emptyHint')}
            action={
              <a className="button button-primary" href={href({ name: 'connection-new' })}>
                {t('telephony.add')}
              </a>
            }
          />
        ) : null}
        {connections.data && connections.data.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="connections-table">
              <thead>
                <tr>
                  <th>{t('telephony.col.name')}</th>
                  <th>{t('telephony.col.type')}</th>
                  <th>{t('telephony.col.state')}</th>
                  <th>{t('telephony.col.lastWebhook')}</th>
                  <th className="num">{t('telephony.col.errors')}</th>
                </tr>
              </thead>
              <tbody>
                {connections.data.map((c) => (
                  <tr
                    key={c.id}
                    className="clickable"
                    onClick={() => navigate({ name: 'connection', id: c.id, tab: 'settings' })}
                    data-testid="connection-row"
                    data-connection-id={c.id}
                  >
                    <td>
                      <a
                        href={href({ name: 'connection', id: c.id, tab: 'settings' })}
                        className="who-name"
                        onClick={(e) => e.stopPropagation()}
                      >
                        {c.name}
                      </a>
                    </td>
                    <td>{connectorName(c.connectorId)}</td>
                    <td>
                      {c.enabled ? (
                        <Badge tone="success">{t('telephony.enabled')}</Badge>
                      ) : (
                        <Badge>{t('telephony.disabled')}</Badge>
                      )}
                    </td>
                    <td title={c.lastWebhookAt ? fmt.dateTime(c.lastWebhookAt) : undefined}>
                      {c.lastWebhookAt ? (
                        fmt.relative(c.lastWebhookAt)
                      ) : (
                        <span className="muted">{t('telephony.never')}</span>
                      )}
                    </td>
                    <td className="num">
                      {c.errorsLastHour > 0 ? (
                        <Badge tone="danger">{fmt.number(c.errorsLastHour)}</Badge>
                      ) : (
                        <span className="muted">0</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>
    </div>
  );
}
