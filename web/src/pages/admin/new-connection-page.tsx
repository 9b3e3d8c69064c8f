import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../../api/api.js';
import type { Connection, Connector } from '../../api/types.js';
import { DocsLink } from '../../components/docs-link.js';
import { Icon } from '../../components/icons.js';
import { SettingsFields } from '../../components/settings-fields.js';
import { Button, Card, ErrorNote, Field, Loading, PageHeader } from '../../components/ui.js';
import { useI18n } from '../../i18n/i18n-react.js';
import { href, navigate } from '../../lib/router.js';
import { initialValues, settingsPayload, validateSettings } from '../../lib/settings-form.js';
import type { FieldError, FormValues } from '../../lib/settings-form.js';
import { useResource } from '../../lib/use-resource.js';

/** Add a connection: pick the provider, then fill in the settings its connector asks for. */
export function NewConnectionPage() {
  const { t } = useI18n();
  const connectors = useResource((signal) => api.get<Connector[]>('/connectors', { signal }), []);
  const [connector, setConnector] = useState<Connector | null>(null);

  return (
    <div className="page page-narrow">
      <PageHeader back={href({ name: 'connections' })} title={t('telephony.addTitle')} />
      {connectors.error ? <ErrorNote error={connectors.error} onRetry={connectors.reload} /> : null}
      {!connectors.data && connectors.loading ? <Loading /> : null}
      {connectors.data && !connector ? (
        <Card title={t('telephony.pickProvider')}>
          <div className="connector-grid">
            {connectors.data.map((c) => (
              <button
                type="button"
                key={c.id}
                className="connector-option"
                onClick={() => setConnector(c)}
                data-testid={`connector-option-${c.id}`}
              >
                <span className="connector-logo">
                  <Icon name="telephony" size={22} />
                </span>
                <strong>{c.name}</strong>
                <small className="muted">{t('telephony.fieldCount', { count: c.settings.length })}</small>
              </button>
            ))}
          </div>
        </Card>
      ) : null}
      {connector ? <NewConnectionForm connector={connector} onBack={() => setConnector(null)} /> : null}
    </div>
  );
}

function NewConnectionForm({ connector, onBack }: { connector: Connector; onBack(): void }) {
  const { t } = useI18n();
  const [name, setName] = useState(connector.name);
  const [values, setValues] = useState<FormValues>(() => initialValues(connector.settings));
  const [errors, setErrors] = useState<Record<string, FieldError>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [submitted, setSubmitted] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    const found = validateSettings(connector.settings, values);
    setErrors(found);
    if (Object.keys(found).length > 0 || !name.trim()) return;
    setBusy(true);
    setError(undefined);
    try {
      const created = await api.post<Connection>('/connections', {
        connectorId: connector.id,
        name: name.trim(),
        settings: settingsPayload(connector.settings, values),
      });
      navigate({ name: 'connection', id: created.id, tab: 'settings' });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Card title={connector.name} actions={<DocsLink url={connector.docsUrl} />}>
      <form className="form" onSubmit={submit} noValidate data-testid="connection-create-form">
        <Field label={t('telephony.col.name')} required error={submitted && !name.trim() ? t('form.required') : null}>
          {(id) => (
            <input id={id} value={name} onChange={(e) => setName(e.target.value)} data-testid="connection-name" />
          )}
        </Field>
        <SettingsFields
          fields={connector.settings}
          values={values}
          errors={errors}
          onChange={(key, value) => setValues((v) => ({ ...v, [key]: value }))}
        />
        <p className="muted small">{t('telephony.secretNote')}</p>
        {error ? <ErrorNote error={error} /> : null}
        <div className="form-actions">
          <Button variant="ghost" onClick={onBack}>
            {t('common.back')}
          </Button>
          <Button type="submit" variant="primary" busy={busy} data-testid="connection-create">
            {t('telephony.create')}
          </Button>
        </div>
      </form>
    </Card>
  );
}
