import { useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { api, listUsers } from '../api/api.js';
import { ApiError } from '../api/client.js';
import type { Contact, User } from '../api/types.js';
import { useI18n } from '../i18n/i18n-react.js';
import { useResource } from '../lib/use-resource.js';
import { useSession } from '../session.js';
import { Icon } from './icons.js';
import { Button, ErrorNote, Field } from './ui.js';

interface PhoneRow {
  key: number;
  raw: string;
  label: string;
}

export interface ContactInput {
  name: string;
  company: string | null;
  email: string | null;
  notes: string | null;
  ownerId: string | null;
  /** `number` is what the user typed too; the server normalises it. */
  phones: Array<{ number: string; raw: string; label: string | null }>;
}

/** Create or edit a contact; `onSaved` gets the contact as the server stored it. */
export function ContactForm(props: {
  contact?: Contact;
  phone?: string;
  onSaved(contact: Contact): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const { contact } = props;
  const nextKey = useRef(1);
  const makeRow = (raw: string, label: string): PhoneRow => ({ key: nextKey.current++, raw, label });

  const [name, setName] = useState(contact?.name ?? '');
  const [company, setCompany] = useState(contact?.company ?? '');
  const [email, setEmail] = useState(contact?.email ?? '');
  const [notes, setNotes] = useState(contact?.notes ?? '');
  const [ownerId, setOwnerId] = useState(contact?.ownerId ?? '');
  const [phones, setPhones] = useState<PhoneRow[]>(() =>
    contact?.phones.length
      ? contact.phones.map((p) => makeRow(p.raw || p.number, p.label ?? ''))
      : [makeRow(props.phone ?? '', '')],
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [nameError, setNameError] = useState(false);

  const users = useResource((signal) => (isAdmin ? listUsers(signal) : Promise.resolve([] as User[])), [isAdmin]);

  const fieldError = error instanceof ApiError ? error.field : undefined;
  const updatePhone = (key: number, patch: Partial<PhoneRow>) =>
    setPhones((rows) => rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setNameError(true);
      return;
    }
    const input: ContactInput = {
      name: name.trim(),
      company: company.trim() || null,
      email: email.trim() || null,
      notes: notes.trim() || null,
      ownerId: ownerId || null,
      phones: phones
        .filter((p) => p.raw.trim())
        .map((p) => ({ number: p.raw.trim(), raw: p.raw.trim(), label: p.label.trim() || null })),
    };
    // Agents cannot list users, so they keep whatever owner the contact has.
    const body = isAdmin ? input : { ...input, ownerId: undefined };
    setBusy(true);
    setError(undefined);
    try {
      const saved = contact
        ? await api.patch<Contact>(`/contacts/${encodeURIComponent(contact.id)}`, body)
        : await api.post<Contact>('/contacts', body);
      props.onSaved(saved);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} data-testid="contact-form" noValidate>
      <Field
        label={t('contact.name')}
        required
        error={nameError ? t('form.required') : fieldError === 'name' ? t('form.invalid') : null}
      >
        {(id) => (
          <input
            id={id}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setNameError(false);
            }}
            autoFocus
            data-testid="contact-name"
          />
        )}
      </Field>
      <Field label={t('contact.company')}>
        {(id) => (
          <input id={id} value={company} onChange={(e) => setCompany(e.target.value)} data-testid="contact-company" />
        )}
      </Field>
      <Field
        label={t('contact.phones')}
        hint={t('contact.phonesHint')}
        error={fieldError?.startsWith('phones') ? t('form.invalidPhone') : null}
      >
        {(id) => (
          <div className="phone-rows">
            {phones.map((row, i) => (
              <div className="phone-row" key={row.key}>
                <input
                  id={i === 0 ? id : undefined}
                  type="tel"
                  value={row.raw}
                  placeholder="+7 900 000-00-00"
                  onChange={(e) => updatePhone(row.key, { raw: e.target.value })}
                  aria-label={t('contact.phone')}
                  data-testid="contact-phone"
                />
                <input
                  value={row.label}
                  placeholder={t('contact.phoneLabel')}
                  onChange={(e) => updatePhone(row.key, { label: e.target.value })}
                  aria-label={t('contact.phoneLabel')}
                  className="phone-label-input"
                />
                <button
                  type="button"
                  className="icon-button"
                  onClick={() =>
                    setPhones((rows) => (rows.length > 1 ? rows.filter((r) => r.key !== row.key) : [makeRow('', '')]))
                  }
                  aria-label={t('contact.removePhone')}
                >
                  <Icon name="trash" size={15} />
                </button>
              </div>
            ))}
            <button
              type="button"
              className="link-button"
              onClick={() => setPhones((rows) => [...rows, makeRow('', '')])}
              data-testid="contact-add-phone"
            >
              <Icon name="plus" size={14} /> {t('contact.addPhone')}
            </button>
          </div>
        )}
      </Field>
      <Field label={t('contact.email')} error={fieldError === 'email' ? t('form.invalidEmail') : null}>
        {(id) => (
          <input
            id={id}
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="contact-email"
          />
        )}
      </Field>
      {isAdmin ? (
        <Field label={t('contact.owner')}>
          {(id) => (
            <select id={id} value={ownerId} onChange={(e) => setOwnerId(e.target.value)}>
              <option value="">{t('contact.noOwner')}</option>
              {(users.data ?? []).map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      <Field label={t('contact.notes')}>
        {(id) => <textarea id={id} rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} />}
      </Field>
      {error ? <ErrorNote error={error} /> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={props.onCancel}>
          {t('common.cancel')}
        </Button>
        <Button type="submit" variant="primary" busy={busy} data-testid="contact-save">
          {contact ? t('common.save') : t('contact.create')}
        </Button>
      </div>
    </form>
  );
}
