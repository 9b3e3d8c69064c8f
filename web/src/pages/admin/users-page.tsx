import { useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorText, listUsers } from '../../api/api.js';
import { ApiError } from '../../api/client.js';
import type { Connection, Role, User } from '../../api/types.js';
import { Icon } from '../../components/icons.js';
import { useToast } from '../../components/toasts.js';
import {
  Badge,
  Button,
  Card,
  ConfirmDialog,
  Empty,
  ErrorNote,
  Field,
  Loading,
  Modal,
  PageHeader,
} from '../../components/ui.js';
import { useI18n } from '../../i18n/i18n-react.js';
import { LOCALES } from '../../i18n/i18n.js';
import { useResource } from '../../lib/use-resource.js';
import { useSession } from '../../session.js';

export function UsersPage() {
  const { t, fmt } = useI18n();
  const notify = useToast();
  const { me } = useSession();
  const users = useResource((signal) => listUsers(signal), []);
  const connections = useResource((signal) => api.get<Connection[]>('/connections', { signal }), []);
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);

  const connectionName = (id: string) => connections.data?.find((c) => c.id === id)?.name ?? '';

  const changeRole = async (user: User, role: Role) => {
    try {
      const updated = await api.patch<User>(`/users/${encodeURIComponent(user.id)}`, { role });
      users.setData((list) => list?.map((u) => (u.id === user.id ? { ...u, ...updated } : u)));
      notify(t('users.roleChanged', { name: user.name }));
    } catch (error) {
      notify(errorText(error, t), 'error');
    }
  };

  const sorted = [...(users.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div className="page">
      <PageHeader
        title={t('users.title')}
        subtitle={t('users.subtitle')}
        actions={
          <Button variant="primary" icon="user-plus" onClick={() => setEditing('new')} data-testid="user-add">
            {t('users.add')}
          </Button>
        }
      />
      <Card>
        {users.error ? <ErrorNote error={users.error} onRetry={users.reload} /> : null}
        {!users.data && users.loading ? <Loading /> : null}
        {users.data?.length === 0 ? <Empty icon="users" title={t('users.empty')} /> : null}
        {sorted.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="users-table">
              <thead>
                <tr>
                  <th>{t('users.name')}</th>
                  <th>{t('users.role')}</th>
                  <th>{t('users.extensions')}</th>
                  <th>{t('users.created')}</th>
                  <th aria-label={t('calls.col.actions')} />
                </tr>
              </thead>
              <tbody>
                {sorted.map((user) => (
                  <tr key={user.id} data-testid="user-row" data-user-id={user.id}>
                    <td>
                      <strong>{user.name}</strong>
                      {user.id === me.user.id ? <Badge tone="accent">{t('users.you')}</Badge> : null}
                      <div className="muted small">{user.email}</div>
                    </td>
                    <td>
                      <select
                        value={user.role}
                        disabled={user.id === me.user.id}
                        onChange={(e) => void changeRole(user, e.target.value as Role)}
                        aria-label={t('users.roleFor', { name: user.name })}
                        data-testid="user-role"
                      >
                        <option value="agent">{t('role.agent')}</option>
                        <option value="admin">{t('role.admin')}</option>
                      </select>
                    </td>
                    <td>
                      {user.extensions && user.extensions.length > 0 ? (
                        <div className="chips" data-testid="user-extensions">
                          {user.extensions.map((e) => (
                            <span
                              className="chip"
                              key={`${e.connectionId}:${e.extension}`}
                              title={connectionName(e.connectionId)}
                            >
                              <span className="mono">{e.extension}</span>
                              {connectionName(e.connectionId) ? <small>{connectionName(e.connectionId)}</small> : null}
                            </span>
                          ))}
                        </div>
                      ) : (
                        <span className="muted">{t('users.noExtensions')}</span>
                      )}
                    </td>
                    <td className="nowrap muted">{user.createdAt ? fmt.dateTime(user.createdAt) : '—'}</td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="icon-button"
                        onClick={() => setEditing(user)}
                        aria-label={t('common.edit')}
                        data-testid="user-edit"
                      >
                        <Icon name="edit" size={16} />
                      </button>
                      {user.id !== me.user.id ? (
                        <button
                          type="button"
                          className="icon-button"
                          onClick={() => setDeleting(user)}
                          aria-label={t('common.delete')}
                          data-testid="user-delete"
                        >
                          <Icon name="trash" size={16} />
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <p className="muted small">{t('users.extensionsHint')}</p>
      </Card>
      {editing ? (
        <UserDialog
          user={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            users.setData((list) => {
              const rest = (list ?? []).filter((u) => u.id !== saved.id);
              const previous = list?.find((u) => u.id === saved.id);
              return [...rest, { ...previous, ...saved }];
            });
            setEditing(null);
            notify(t('common.saved'));
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={t('users.deleteTitle')}
          text={t('users.deleteText', { name: deleting.name })}
          confirmLabel={t('common.delete')}
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.del(`/users/${encodeURIComponent(deleting.id)}`);
            users.setData((list) => list?.filter((u) => u.id !== deleting.id));
            notify(t('users.deleted', { name: deleting.name }));
          }}
        />
      ) : null}
    </div>
  );
}

function UserDialog({ user, onClose, onSaved }: { user: User | null; onClose(): void; onSaved(user: User): void }) {
  const { t } = useI18n();
  const [name, setName] = useState(user?.name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(user?.role ?? 'agent');
  const [locale, setLocale] = useState(user?.locale ?? '');
  const [timeZone, setTimeZone] = useState(user?.timeZone ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [submitted, setSubmitted] = useState(false);
  const zones = useMemo(
    () => (typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []),
    [],
  );

  const emailValid = /^[^\s@]+@[^\s@]+$/.test(email.trim());
  const passwordNeeded = user === null;
  const passwordValid = password.length === 0 ? !passwordNeeded : password.length >= 8;
  const fieldError = error instanceof ApiError ? error.field : undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (!name.trim() || !emailValid || !passwordValid) return;
    const body: Record<string, unknown> = {
      name: name.trim(),
      email: email.trim(),
      role,
      locale: locale || null,
      timeZone: timeZone || null,
    };
    if (password) body.password = password;
    setBusy(true);
    setError(undefined);
    try {
      const saved = user
        ? await api.patch<User>(`/users/${encodeURIComponent(user.id)}`, body)
        : await api.post<User>('/users', body);
      onSaved(saved);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={user ? t('users.editTitle') : t('users.addTitle')} onClose={onClose} testId="user-dialog">
      <form className="form" onSubmit={submit} noValidate>
        <Field
          label={t('users.name')}
          required
          error={submitted && !name.trim() ? t('form.required') : fieldError === 'name' ? t('form.invalid') : null}
        >
          {(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} data-testid="user-name" />}
        </Field>
        <Field
          label={t('users.email')}
          required
          error={(submitted && !emailValid) || fieldError === 'email' ? t('form.invalidEmail') : null}
        >
          {(id) => (
            <input
              id={id}
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              data-testid="user-email"
            />
          )}
        </Field>
        <Field
          label={user ? t('users.newPassword') : t('users.password')}
          required={passwordNeeded}
          hint={user ? t('users.passwordKeep') : t('users.passwordHint')}
          error={
            submitted && !passwordValid ? t('users.passwordHint') : fieldError === 'password' ? t('form.invalid') : null
          }
        >
          {(id) => (
            <input
              id={id}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              data-testid="user-password"
            />
          )}
        </Field>
        <Field label={t('users.role')}>
          {(id) => (
            <select
              id={id}
              value={role}
              onChange={(e) => setRole(e.target.value as Role)}
              data-testid="user-role-select"
            >
              <option value="agent">{t('role.agent')}</option>
              <option value="admin">{t('role.admin')}</option>
            </select>
          )}
        </Field>
        <Field label={t('users.language')}>
          {(id) => (
            <select id={id} value={locale} onChange={(e) => setLocale(e.target.value)}>
              <option value="">{t('users.fromBrowser')}</option>
              {LOCALES.map((code) => (
                <option key={code} value={code}>
                  {t(`language.${code}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('users.timeZone')}>
          {(id) => (
            <select id={id} value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
              <option value="">{t('users.fromBrowser')}</option>
              {timeZone && !zones.includes(timeZone) ? <option value={timeZone}>{timeZone}</option> : null}
              {zones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone}
                </option>
              ))}
            </select>
          )}
        </Field>
        {error ? <ErrorNote error={error} /> : null}
        <div className="form-actions">
          <Button variant="ghost" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" variant="primary" busy={busy} data-testid="user-save">
            {user ? t('common.save') : t('users.create')}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
