import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorText, listUsers } from '../../api/api.js';
import type {
  Binding,
  Connection,
  Connector,
  EventSourceState,
  TestResult,
  UnknownCallerPolicy,
} from '../../api/types.js';
import { DocsLink } from '../../components/docs-link.js';
import { Icon } from '../../components/icons.js';
import { SettingsFields } from '../../components/settings-fields.js';
import { useToast } from '../../components/toasts.js';
import {
  Button,
  Card,
  ConfirmDialog,
  CopyField,
  ErrorNote,
  Field,
  Loading,
  PageHeader,
  Spinner,
  Switch,
} from '../../components/ui.js';
import { useI18n } from '../../i18n/i18n-react.js';
import { href, navigate } from '../../lib/router.js';
import type { ConnectionTab } from '../../lib/router.js';
import { initialValues, parseNumberList, settingsPayload, validateSettings } from '../../lib/settings-form.js';
import type { FieldError, FormValues } from '../../lib/settings-form.js';
import { useResource } from '../../lib/use-resource.js';
import { MappingDialog } from './mapping-dialog.js';
import { WebhookInbox } from './webhook-inbox.js';

const POLICIES: UnknownCallerPolicy[] = ['on_answer', 'on_ring', 'never'];

export function ConnectionPage({ id, tab }: { id: string; tab: ConnectionTab }) {
  const { t } = useI18n();
  const notify = useToast();
  const path = `/connections/${encodeURIComponent(id)}`;
  const connection = useResource((signal) => api.get<Connection>(path, { signal }), [path]);
  const connectors = useResource((signal) => api.get<Connector[]>('/connectors', { signal }), []);
  const [deleting, setDeleting] = useState(false);
  const [toggling, setToggling] = useState(false);

  const data = connection.data;
  const connector = connectors.data?.find((c) => c.id === data?.connectorId);

  const setEnabled = async (enabled: boolean) => {
    setToggling(true);
    try {
      const updated = await api.patch<Connection>(path, { enabled });
      connection.setData(() => updated);
      notify(enabled ? t('connection.enabledNow') : t('connection.disabledNow'));
    } catch (error) {
      notify(errorText(error, t), 'error');
    } finally {
      setToggling(false);
    }
  };

  return (
    <div className="page">
      <PageHeader
        back={href({ name: 'connections' })}
        title={data?.name ?? t('connection.title')}
        subtitle={connector ? connector.name : null}
        actions={
          data ? (
            <>
              <Switch
                checked={data.enabled}
                disabled={toggling}
                onChange={(checked) => void setEnabled(checked)}
                label={t('connection.enabled')}
                testId="connection-enabled"
              />
              <Button variant="ghost" icon="trash" onClick={() => setDeleting(true)} data-testid="connection-delete">
                {t('common.delete')}
              </Button>
            </>
          ) : null
        }
      />
      {connection.error ? <ErrorNote error={connection.error} onRetry={connection.reload} /> : null}
      {connectors.error ? <ErrorNote error={connectors.error} onRetry={connectors.reload} /> : null}
      {!data && connection.loading ? <Loading /> : null}
      {data ? (
        <>
          <div className="tabs" role="tablist">
            <a
              role="tab"
              className={`tab ${tab === 'settings' ? 'active' : ''}`}
              aria-selected={tab === 'settings'}
              href={href({ name: 'connection', id, tab: 'settings' })}
              data-testid="connection-tab-settings"
            >
              {t('connection.tab.settings')}
            </a>
            <a
              role="tab"
              className={`tab ${tab === 'webhooks' ? 'active' : ''}`}
              aria-selected={tab === 'webhooks'}
              href={href({ name: 'connection', id, tab: 'webhooks' })}
              data-testid="connection-tab-webhooks"
            >
              {t('connection.tab.webhooks')}
              {data.errorsLastHour > 0 ? <span className="counter-badge inline">{data.errorsLastHour}</span> : null}
            </a>
          </div>
          {/* The settings stay mounted while the inbox is open, so unsaved edits survive a look at it. */}
          <div hidden={tab !== 'settings'}>
            {connector ? (
              <SettingsTab
                connection={data}
                connector={connector}
                onChange={(updated) => connection.setData(() => updated)}
              />
            ) : connectors.loading ? (
              <Loading />
            ) : (
              <div className="note note-error">{t('connection.unknownConnector', { id: data.connectorId })}</div>
            )}
          </div>
          {tab === 'webhooks' ? (
            <Card>
              <WebhookInbox connectionId={id} />
            </Card>
          ) : null}
        </>
      ) : null}
      {deleting && data ? (
        <ConfirmDialog
          title={t('connection.deleteTitle')}
          text={t('connection.deleteText', { name: data.name })}
          confirmLabel={t('common.delete')}
          danger
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api.del(path);
            notify(t('connection.deleted'));
            navigate({ name: 'connections' });
          }}
        />
      ) : null}
    </div>
  );
}

/** A PBX the hub keeps a connection to (Asterisk): whether it is up, its last event, error and gap. */
function EventSourceLine({ state }: { state: EventSourceState }) {
  const { t, fmt } = useI18n();
  const since = state.since ? fmt.relative(state.since) : '';
  return (
    <p className={state.status === 'connected' ? 'muted' : 'note note-error'} data-testid="connection-event-source">
      <strong>{t('connection.source.label')}:</strong> {t(`connection.source.${state.status}`, { since })}
      {' · '}
      {state.lastEventAt
        ? t('connection.source.lastEvent', { when: fmt.relative(state.lastEventAt) })
        : t('connection.source.noEvents')}
      {state.lastError ? <> · {t('connection.source.lastError', { error: state.lastError })}</> : null}
      {state.lastGap ? (
        <>
          {' · '}
          {t('connection.source.gap', { from: fmt.dateTime(state.lastGap.from), to: fmt.dateTime(state.lastGap.to) })}
        </>
      ) : null}
    </p>
  );
}

interface IncomingForm {
  unknownCallerPolicy: UnknownCallerPolicy;
  defaultCountry: string;
  ownNumbers: string;
  timeoutMs: string;
}

function SettingsTab({
  connection,
  connector,
  onChange,
}: {
  connection: Connection;
  connector: Connector;
  onChange(c: Connection): void;
}) {
  const { t, fmt } = useI18n();
  const notify = useToast();
  const path = `/connections/${encodeURIComponent(connection.id)}`;

  const [name, setName] = useState(connection.name);
  const [values, setValues] = useState<FormValues>(() => initialValues(connector.settings, connection.settings));
  const [incoming, setIncoming] = useState<IncomingForm>(() => ({
    unknownCallerPolicy: connection.unknownCallerPolicy,
    defaultCountry: connection.defaultCountry,
    ownNumbers: connection.ownNumbers.join('\n'),
    timeoutMs: String(connection.timeoutMs),
  }));
  const [errors, setErrors] = useState<Record<string, FieldError>>({});
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>();

  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<TestResult | null>(null);
  const [testError, setTestError] = useState<unknown>();
  const [mapping, setMapping] = useState(false);
  const [rotating, setRotating] = useState(false);

  const bindings = useResource((signal) => api.get<Binding[]>(`${path}/bindings`, { signal }), [path]);
  const users = useResource((signal) => listUsers(signal), []);
  const userName = (userId: string) => users.data?.find((u) => u.id === userId)?.name ?? userId;

  const country = incoming.defaultCountry.trim().toUpperCase();
  const countryValid = /^[A-Z]{2}$/.test(country);
  const timeout = Number(incoming.timeoutMs);
  const timeoutValid = Number.isInteger(timeout) && timeout >= 1000 && timeout <= 120_000;

  const edit = <K extends keyof IncomingForm>(key: K, value: IncomingForm[K]) => {
    setIncoming((f) => ({ ...f, [key]: value }));
    setDirty(true);
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const found = validateSettings(connector.settings, values, connection.settings);
    setErrors(found);
    if (Object.keys(found).length > 0 || !name.trim() || !countryValid || !timeoutValid) {
      notify(t('form.fixErrors'), 'error');
      return;
    }
    setSaving(true);
    setSaveError(undefined);
    try {
      const updated = await api.patch<Connection>(path, {
        name: name.trim(),
        settings: settingsPayload(connector.settings, values),
        unknownCallerPolicy: incoming.unknownCallerPolicy,
        defaultCountry: country,
        ownNumbers: parseNumberList(incoming.ownNumbers),
        timeoutMs: timeout,
      });
      onChange(updated);
      // Secrets are never sent back: the form forgets what was typed and shows them as set.
      setValues(initialValues(connector.settings, updated.settings));
      setIncoming((f) => ({ ...f, ownNumbers: updated.ownNumbers.join('\n') }));
      setDirty(false);
      notify(t('common.saved'));
    } catch (error) {
      setSaveError(error);
    } finally {
      setSaving(false);
    }
  };

  const test = async () => {
    setTesting(true);
    setTestResult(null);
    setTestError(undefined);
    try {
      setTestResult(await api.post<TestResult>(`${path}/test`));
    } catch (error) {
      setTestError(error);
    } finally {
      setTesting(false);
    }
  };

  return (
    <>
      <form className="connection-settings" onSubmit={save} noValidate data-testid="connection-form">
        <Card title={t('connection.telephony')} actions={<DocsLink url={connector.docsUrl} />}>
          {connection.eventSource ? (
            <EventSourceLine state={connection.eventSource} />
          ) : (
            <p className="muted">{t('connection.webhookHelp')}</p>
          )}
          <div className="form">
            <Field label={t('connection.webhookUrl')}>
              {() => (
                <CopyField
                  value={connection.webhookUrl}
                  label={t('connection.webhookUrl')}
                  testId="connection-webhook-url"
                />
              )}
            </Field>
            <Field label={t('connection.token')}>
              {() => (
                <CopyField
                  value={connection.webhookToken}
                  label={t('connection.token')}
                  testId="connection-webhook-token"
                />
              )}
            </Field>
            <div className="field">
              <span className="field-label-spacer" />
              <div className="field-control button-row">
                <Button icon="check" busy={testing} onClick={() => void test()} data-testid="connection-test">
                  {t('connection.test')}
                </Button>
                <Button icon="users" onClick={() => setMapping(true)} data-testid="connection-configure">
                  {t('connection.configure')}
                </Button>
                <Button
                  variant="ghost"
                  icon="refresh"
                  onClick={() => setRotating(true)}
                  data-testid="connection-rotate-token"
                >
                  {t('connection.rotate')}
                </Button>
              </div>
            </div>
            {testing || testResult || testError ? (
              <div className="field">
                <span className="field-label-spacer" />
                <div className="field-control">
                  {testing ? (
                    <span className="muted">
                      <Spinner /> {t('connection.testing')}
                    </span>
                  ) : testResult ? (
                    <div
                      className={`note ${testResult.success ? 'note-success' : 'note-error'}`}
                      data-testid="connection-test-result"
                      data-success={testResult.success ? 'true' : 'false'}
                    >
                      <Icon name={testResult.success ? 'check' : 'alert'} />
                      <span>
                        {testResult.success
                          ? t('connection.testOk')
                          : t('connection.testFailed', {
                              reason: testResult.failReason || t('connection.testNoReason'),
                            })}
                      </span>
                    </div>
                  ) : (
                    <div data-testid="connection-test-result" data-success="false">
                      <ErrorNote error={testError} />
                    </div>
                  )}
                  {dirty ? <div className="field-hint">{t('connection.testUsesSaved')}</div> : null}
                </div>
              </div>
            ) : null}
          </div>
        </Card>

        <Card title={t('connection.providerSettings')}>
          <div className="form">
            <Field label={t('telephony.col.name')} required error={!name.trim() ? t('form.required') : null}>
              {(id) => (
                <input
                  id={id}
                  value={name}
                  onChange={(e) => {
                    setName(e.target.value);
                    setDirty(true);
                  }}
                  data-testid="connection-name"
                />
              )}
            </Field>
            <SettingsFields
              fields={connector.settings}
              values={values}
              errors={errors}
              saved={connection.settings}
              onChange={(key, value) => {
                setValues((v) => ({ ...v, [key]: value }));
                setDirty(true);
              }}
            />
          </div>
        </Card>

        <Card title={t('connection.incoming')}>
          <div className="form">
            <Field
              label={t('connection.unknownPolicy')}
              hint={t(`connection.policyHint.${incoming.unknownCallerPolicy}`)}
            >
              {(id) => (
                <select
                  id={id}
                  value={incoming.unknownCallerPolicy}
                  onChange={(e) => edit('unknownCallerPolicy', e.target.value as UnknownCallerPolicy)}
                  data-testid="connection-unknown-policy"
                >
                  {POLICIES.map((p) => (
                    <option key={p} value={p}>
                      {t(`connection.policy.${p}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label={t('connection.defaultCountry')}
              hint={countryValid ? (fmt.country(country) ?? t('connection.countryHint')) : t('connection.countryHint')}
              error={!countryValid ? t('connection.countryInvalid') : null}
            >
              {(id) => (
                <input
                  id={id}
                  className="input-short"
                  value={incoming.defaultCountry}
                  maxLength={2}
                  onChange={(e) => edit('defaultCountry', e.target.value.toUpperCase())}
                  data-testid="connection-default-country"
                />
              )}
            </Field>
            <Field label={t('connection.ownNumbers')} hint={t('connection.ownNumbersHint')}>
              {(id) => (
                <textarea
                  id={id}
                  rows={3}
                  value={incoming.ownNumbers}
                  onChange={(e) => edit('ownNumbers', e.target.value)}
                  placeholder="+7 495 000-00-00"
                  data-testid="connection-own-numbers"
                />
              )}
            </Field>
            <Field
              label={t('connection.timeout')}
              hint={t('connection.timeoutHint')}
              error={!timeoutValid ? t('connection.timeoutInvalid') : null}
            >
              {(id) => (
                <input
                  id={id}
                  className="input-short"
                  type="number"
                  min={1000}
                  max={120000}
                  step={500}
                  value={incoming.timeoutMs}
                  onChange={(e) => edit('timeoutMs', e.target.value)}
                  data-testid="connection-timeout"
                />
              )}
            </Field>
          </div>
        </Card>

        <Card
          title={t('connection.bindings')}
          actions={
            <Button small icon="users" onClick={() => setMapping(true)}>
              {t('connection.configure')}
            </Button>
          }
        >
          {bindings.error ? <ErrorNote error={bindings.error} onRetry={bindings.reload} /> : null}
          {bindings.data && bindings.data.length === 0 ? <p className="muted">{t('connection.noBindings')}</p> : null}
          {bindings.data && bindings.data.length > 0 ? (
            <div className="table-wrap">
              <table className="table" data-testid="bindings-table">
                <thead>
                  <tr>
                    <th>{t('mapping.extension')}</th>
                    <th>{t('mapping.user')}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...bindings.data]
                    .sort((a, b) => a.extension.localeCompare(b.extension, undefined, { numeric: true }))
                    .map((b) => (
                      <tr key={b.extension} data-testid="binding-row" data-extension={b.extension}>
                        <td className="mono">{b.extension}</td>
                        <td>{userName(b.userId)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </Card>

        <div className={`save-bar ${dirty ? 'save-bar-dirty' : ''}`}>
          {saveError ? (
            <ErrorNote error={saveError} />
          ) : (
            <span className="muted">{dirty ? t('connection.unsaved') : t('connection.saveHint')}</span>
          )}
          <Button type="submit" variant="primary" busy={saving} data-testid="connection-save">
            {t('common.save')}
          </Button>
        </div>
      </form>
      {mapping ? (
        <MappingDialog
          connectionId={connection.id}
          onClose={() => setMapping(false)}
          onSaved={(saved) => bindings.setData(() => saved)}
        />
      ) : null}
      {rotating ? (
        <ConfirmDialog
          title={t('connection.rotateTitle')}
          text={t('connection.rotateText')}
          confirmLabel={t('connection.rotate')}
          onClose={() => setRotating(false)}
          onConfirm={async () => {
            const updated = await api.post<Connection>(`${path}/rotate-token`);
            onChange(updated);
            notify(t('connection.rotated'));
          }}
        />
      ) : null}
    </>
  );
}
