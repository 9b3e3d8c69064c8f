import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorText } from '../../api/api.js';
import type { SettingsField } from '../../api/types.js';
import { Icon } from '../../components/icons.js';
import { useToast } from '../../components/toasts.js';
import { Button, Card, ConfirmDialog, Empty, ErrorNote, Field, Loading, PageHeader } from '../../components/ui.js';
import { useI18n } from '../../i18n/i18n-react.js';
import { href } from '../../lib/router.js';
import { useResource } from '../../lib/use-resource.js';

/** An installed ELMA365 script module, as GET /api/v1/modules returns it. */
interface ScriptModule {
  id: string;
  name: string;
  settings: SettingsField[];
  functions: string[];
  createdAt: string;
  connections: number;
}

type FieldRow = Pick<SettingsField, 'key' | 'label' | 'type'> & { required: boolean; secret: boolean };

const emptyRow = (): FieldRow => ({ key: '', label: '', type: 'string', required: false, secret: false });

/** Admin → Telephony → Script modules: ELMA365 telephony scripts installed as connector types. */
export function ModulesPage() {
  const { t, fmt } = useI18n();
  const notify = useToast();
  const modules = useResource((signal) => api.get<ScriptModule[]>('/modules', { signal }), []);
  const [removing, setRemoving] = useState<ScriptModule | null>(null);

  return (
    <div className="page">
      <PageHeader title={t('modules.title')} subtitle={t('modules.subtitle')} back={href({ name: 'connections' })} />
      <Card title={t('modules.installed')}>
        {modules.error ? <ErrorNote error={modules.error} onRetry={modules.reload} /> : null}
        {!modules.data && modules.loading ? <Loading /> : null}
        {modules.data?.length === 0 ? (
          <Empty icon="telephony" title={t('modules.empty')} hint={t('modules.emptyHint')} />
        ) : null}
        {modules.data && modules.data.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="modules-table">
              <thead>
                <tr>
                  <th>{t('modules.col.name')}</th>
                  <th>{t('modules.col.settings')}</th>
                  <th className="num">{t('modules.col.connections')}</th>
                  <th>{t('modules.col.added')}</th>
                  <th aria-label={t('calls.col.actions')} />
                </tr>
              </thead>
              <tbody>
                {modules.data.map((m) => (
                  <tr key={m.id} data-testid="module-row" data-module-id={m.id}>
                    <td>
                      <strong>{m.name}</strong>
                      <div className="muted small mono">{m.id}</div>
                    </td>
                    <td className="small">{m.settings.map((f) => f.key).join(', ') || '—'}</td>
                    <td className="num">{m.connections}</td>
                    <td className="small">{fmt.dateTime(m.createdAt)}</td>
                    <td>
                      <Button
                        small
                        variant="ghost"
                        icon="trash"
                        onClick={() => setRemoving(m)}
                        data-testid="module-remove"
                      >
                        {t('common.delete')}
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>
      <UploadCard
        onInstalled={(m) => {
          modules.setData((list) => [...(list ?? []), m]);
          notify(t('modules.installedToast', { name: m.name, id: m.id }));
        }}
      />
      {removing ? (
        <ConfirmDialog
          title={t('modules.removeTitle')}
          text={t('modules.removeText', { name: removing.name })}
          confirmLabel={t('common.delete')}
          danger
          onConfirm={async () => {
            await api.del(`/modules/${encodeURIComponent(removing.id)}`);
            modules.setData((list) => list?.filter((m) => m.id !== removing.id));
          }}
          onClose={() => setRemoving(null)}
        />
      ) : null}
    </div>
  );
}

/** Upload the script and define its settings fields, as on ELMA365's module Settings tab. */
function UploadCard({ onInstalled }: { onInstalled(module: ScriptModule): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [rows, setRows] = useState<FieldRow[]>([emptyRow()]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const update = (index: number, change: Partial<FieldRow>) =>
    setRows((list) => list.map((row, i) => (i === index ? { ...row, ...change } : row)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return setError(t('modules.needScript'));
    setBusy(true);
    setError(null);
    try {
      const source = await file.text();
      const settings = rows
        .filter((row) => row.key.trim() !== '')
        .map((row) => ({ ...row, key: row.key.trim(), label: row.label.trim() || row.key.trim() }));
      const installed = await api.post<ScriptModule>('/modules', { name, source, settings });
      onInstalled(installed);
      setName('');
      setFile(null);
      setRows([emptyRow()]);
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('modules.upload')}>
      <form onSubmit={submit} data-testid="module-upload">
        <p className="muted">{t('modules.uploadHelp')}</p>
        <Field label={t('modules.name')} required>
          {(id) => (
            <input id={id} value={name} onChange={(e) => setName(e.target.value)} required data-testid="module-name" />
          )}
        </Field>
        <Field label={t('modules.script')} required>
          {(id) => (
            <label className="file-drop" htmlFor={id}>
              <Icon name="upload" size={22} />
              <span>{file ? file.name : t('modules.chooseScript')}</span>
              <input
                id={id}
                type="file"
                accept=".ts,.js,text/plain,application/javascript,text/typescript"
                onChange={(e) => setFile(e.target.files?.[0] ?? null)}
                data-testid="module-file"
              />
            </label>
          )}
        </Field>
        <h3>{t('modules.fields')}</h3>
        <p className="muted small">{t('modules.fieldsHelp')}</p>
        <table className="table" data-testid="module-fields">
          <thead>
            <tr>
              <th>{t('modules.field.key')}</th>
              <th>{t('modules.field.label')}</th>
              <th>{t('modules.field.type')}</th>
              <th>{t('modules.field.required')}</th>
              <th>{t('modules.field.secret')}</th>
              <th aria-label={t('calls.col.actions')} />
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}>
                <td>
                  <input
                    aria-label={t('modules.field.key')}
                    value={row.key}
                    placeholder="apiKey"
                    onChange={(e) => update(i, { key: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    aria-label={t('modules.field.label')}
                    value={row.label}
                    onChange={(e) => update(i, { label: e.target.value })}
                  />
                </td>
                <td>
                  <select
                    aria-label={t('modules.field.type')}
                    value={row.type}
                    onChange={(e) => update(i, { type: e.target.value as FieldRow['type'] })}
                  >
                    <option value="string">{t('modules.type.string')}</option>
                    <option value="url">{t('modules.type.url')}</option>
                    <option value="number">{t('modules.type.number')}</option>
                    <option value="boolean">{t('modules.type.boolean')}</option>
                  </select>
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={t('modules.field.required')}
                    checked={row.required}
                    onChange={(e) => update(i, { required: e.target.checked })}
                  />
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={t('modules.field.secret')}
                    checked={row.secret}
                    onChange={(e) => update(i, { secret: e.target.checked })}
                  />
                </td>
                <td>
                  <Button small variant="ghost" onClick={() => setRows((list) => list.filter((_, j) => j !== i))}>
                    {t('common.delete')}
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Button
          small
          icon="plus"
          onClick={() => setRows((list) => [...list, emptyRow()])}
          data-testid="module-add-field"
        >
          {t('modules.addField')}
        </Button>
        {error ? (
          <div className="field-error" role="alert" data-testid="module-error">
            {error}
          </div>
        ) : null}
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy} data-testid="module-install">
            {t('modules.install')}
          </Button>
        </div>
      </form>
    </Card>
  );
}
