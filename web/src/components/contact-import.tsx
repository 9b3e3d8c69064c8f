import { useRef, useState } from 'react';
import { api, errorText } from '../api/api.js';
import type { ImportResult } from '../api/types.js';
import { useI18n } from '../i18n/i18n-react.js';
import { addImportResult, emptyImportResult, splitCsvParts } from '../lib/csv-import.js';
import { Icon } from './icons.js';
import { Button, Modal } from './ui.js';

const ROWS_PER_REQUEST = 200;

type Phase =
  | { name: 'pick' }
  | { name: 'running'; done: number; total: number; result: ImportResult }
  | { name: 'finished'; total: number; result: ImportResult; error?: string };

/** CSV import (name, company, phones) sent in parts, with a progress bar and the rejected rows. */
export function ContactImport({ onClose, onImported }: { onClose(): void; onImported(): void }) {
  const { t, fmt } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ name: 'pick' });
  const cancelled = useRef(false);

  const run = async () => {
    if (!file) return;
    cancelled.current = false;
    const { parts, rows } = splitCsvParts(await file.text(), ROWS_PER_REQUEST);
    let result = emptyImportResult;
    setPhase({ name: 'running', done: 0, total: rows, result });
    for (const part of parts) {
      if (cancelled.current) break;
      try {
        const partResult = await api.request<ImportResult>('POST', '/contacts/import', {
          rawBody: { contentType: 'text/csv; charset=utf-8', data: part.body },
        });
        result = addImportResult(result, partResult, part.offset);
        setPhase({ name: 'running', done: part.offset + part.rows, total: rows, result });
      } catch (error) {
        setPhase({ name: 'finished', total: rows, result, error: errorText(error, t) });
        onImported();
        return;
      }
    }
    setPhase({ name: 'finished', total: rows, result, error: cancelled.current ? t('import.cancelled') : undefined });
    onImported();
  };

  const close = () => {
    cancelled.current = true;
    onClose();
  };

  const percent =
    phase.name === 'running' && phase.total > 0
      ? Math.round((phase.done / phase.total) * 100)
      : phase.name === 'finished'
        ? 100
        : 0;

  return (
    <Modal
      title={t('import.title')}
      onClose={close}
      testId="contact-import"
      footer={
        phase.name === 'pick' ? (
          <>
            <Button variant="ghost" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button
              variant="primary"
              icon="upload"
              disabled={!file}
              onClick={() => void run()}
              data-testid="import-start"
            >
              {t('import.start')}
            </Button>
          </>
        ) : phase.name === 'running' ? (
          <Button variant="ghost" onClick={() => (cancelled.current = true)}>
            {t('import.stop')}
          </Button>
        ) : (
          <Button variant="primary" onClick={onClose} data-testid="import-done">
            {t('common.done')}
          </Button>
        )
      }
    >
      {phase.name === 'pick' ? (
        <>
          <p>{t('import.help')}</p>
          <pre className="code small">
            {'name,company,phones\nAnna Petrova,Acme,"+7 912 345-67-89; 8 (495) 123-45-67"'}
          </pre>
          <label className="file-drop">
            <Icon name="upload" size={22} />
            <span>{file ? file.name : t('import.choose')}</span>
            <input
              type="file"
              accept=".csv,text/csv"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
              data-testid="import-file"
            />
          </label>
        </>
      ) : (
        <div className="import-progress" data-testid="import-progress">
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
            <div className="progress-bar" style={{ width: `${percent}%` }} />
          </div>
          <p>
            {phase.name === 'running'
              ? t('import.progress', { done: phase.done, count: phase.total })
              : t('import.finished', { count: phase.total })}
          </p>
          <ul className="import-summary" data-testid="import-summary">
            <li>
              <strong>{fmt.number(phase.result.created)}</strong> {t('import.created')}
            </li>
            <li>
              <strong>{fmt.number(phase.result.updated)}</strong> {t('import.updated')}
            </li>
            <li className={phase.result.rejected.length ? 'text-danger' : ''}>
              <strong>{fmt.number(phase.result.rejected.length)}</strong> {t('import.rejected')}
            </li>
          </ul>
          {phase.name === 'finished' && phase.error ? <div className="note note-error">{phase.error}</div> : null}
          {phase.result.rejected.length > 0 ? (
            <div className="table-wrap rejected-rows">
              <table className="table">
                <thead>
                  <tr>
                    <th className="num">{t('import.row')}</th>
                    <th>{t('import.reason')}</th>
                  </tr>
                </thead>
                <tbody>
                  {phase.result.rejected.map((r) => (
                    <tr key={r.row}>
                      <td className="num">{r.row}</td>
                      <td>{r.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </div>
      )}
    </Modal>
  );
}
