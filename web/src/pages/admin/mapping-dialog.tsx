import { useEffect, useState } from 'react';
import { api, listUsers } from '../../api/api.js';
import type { Binding, Member, User } from '../../api/types.js';
import { Badge, Button, ErrorNote, Loading, Modal } from '../../components/ui.js';
import { useToast } from '../../components/toasts.js';
import { useI18n } from '../../i18n/i18n-react.js';
import { buildMappingRows, rowsToBindings } from '../../lib/member-match.js';
import type { MappingRow } from '../../lib/member-match.js';

/**
 * "Configure": the PBX's members (VoipGetMembers), each with a user picker. Saved bindings come
 * first; members without one get a suggestion by email or name, marked so the admin checks it.
 */
export function MappingDialog({
  connectionId,
  onClose,
  onSaved,
}: {
  connectionId: string;
  onClose(): void;
  onSaved(bindings: Binding[]): void;
}) {
  const { t } = useI18n();
  const notify = useToast();
  const base = `/connections/${encodeURIComponent(connectionId)}`;
  const [rows, setRows] = useState<MappingRow[] | null>(null);
  const [users, setUsers] = useState<User[]>([]);
  const [loadError, setLoadError] = useState<unknown>();
  const [saveError, setSaveError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    setLoadError(undefined);
    setRows(null);
    Promise.all([
      api.get<Member[]>(`${base}/members`, { signal: abort.signal }),
      api.get<Binding[]>(`${base}/bindings`, { signal: abort.signal }),
      listUsers(abort.signal),
    ])
      .then(([members, bindings, allUsers]) => {
        setUsers(allUsers);
        setRows(buildMappingRows(members, bindings, allUsers));
      })
      // A reply of an unexpected shape shows as an error too, not as a dialog loading for ever.
      .catch((error: unknown) => {
        if (!abort.signal.aborted) setLoadError(error);
      });
    return () => abort.abort();
  }, [base, attempt]);

  const setUser = (extension: string, userId: string) =>
    setRows(
      (current) => current?.map((r) => (r.extension === extension ? { ...r, userId, suggestion: null } : r)) ?? null,
    );

  const save = async () => {
    if (!rows) return;
    setBusy(true);
    setSaveError(undefined);
    try {
      const bindings = rowsToBindings(rows);
      await api.put(`${base}/bindings`, bindings);
      notify(t('mapping.saved', { count: bindings.length }));
      onSaved(bindings);
      onClose();
    } catch (error) {
      setSaveError(error);
      setBusy(false);
    }
  };

  const suggested = rows?.filter((r) => r.suggestion && r.userId === r.suggestion.userId).length ?? 0;

  return (
    <Modal
      title={t('mapping.title')}
      onClose={onClose}
      wide
      testId="mapping-dialog"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button variant="primary" busy={busy} disabled={!rows} onClick={() => void save()} data-testid="mapping-save">
            {t('mapping.save')}
          </Button>
        </>
      }
    >
      <p className="muted">{t('mapping.help')}</p>
      {loadError ? <ErrorNote error={loadError} onRetry={() => setAttempt((a) => a + 1)} /> : null}
      {!rows && !loadError ? <Loading /> : null}
      {rows && rows.length === 0 ? <p className="muted">{t('mapping.noMembers')}</p> : null}
      {rows && rows.length > 0 ? (
        <>
          {suggested > 0 ? (
            <div className="note note-info">{t('mapping.suggestedNote', { count: suggested })}</div>
          ) : null}
          <div className="table-wrap">
            <table className="table mapping-table" data-testid="mapping-table">
              <thead>
                <tr>
                  <th>{t('mapping.member')}</th>
                  <th>{t('mapping.extension')}</th>
                  <th>{t('mapping.user')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr
                    key={row.extension}
                    data-testid="mapping-row"
                    data-extension={row.extension}
                    className={row.stale ? 'row-stale' : ''}
                  >
                    <td>
                      {row.stale ? (
                        <span className="muted">{t('mapping.stale')}</span>
                      ) : (
                        row.label || <span className="muted">—</span>
                      )}
                    </td>
                    <td className="mono">{row.extension}</td>
                    <td>
                      <div className="mapping-pick">
                        <select
                          value={row.userId}
                          onChange={(e) => setUser(row.extension, e.target.value)}
                          aria-label={t('mapping.userFor', { extension: row.extension })}
                          data-testid="mapping-user"
                        >
                          <option value="">{t('mapping.nobody')}</option>
                          {users.map((u) => (
                            <option key={u.id} value={u.id}>
                              {u.name} ({u.email})
                            </option>
                          ))}
                        </select>
                        {row.suggestion && row.userId === row.suggestion.userId ? (
                          <Badge tone="accent" testId="mapping-suggestion">
                            {t(row.suggestion.reason === 'email' ? 'mapping.byEmail' : 'mapping.byName')}
                          </Badge>
                        ) : null}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {saveError ? <ErrorNote error={saveError} /> : null}
    </Modal>
  );
}
