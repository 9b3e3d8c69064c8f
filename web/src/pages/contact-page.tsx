import { useState } from 'react';
import { api } from '../api/api.js';
import type { Call, Contact, Page } from '../api/types.js';
import { CallsTable } from '../components/calls-table.js';
import { ContactForm } from '../components/contact-form.js';
import { CallButton } from '../components/dialer.js';
import { initials } from '../components/call-popups.js';
import { Icon } from '../components/icons.js';
import { useToast } from '../components/toasts.js';
import {
  Button,
  Card,
  ConfirmDialog,
  Empty,
  ErrorNote,
  LoadMore,
  Loading,
  Modal,
  PageHeader,
} from '../components/ui.js';
import { useI18n } from '../i18n/i18n-react.js';
import { isNumberName } from '../lib/phone.js';
import { useLiveEvents } from '../live/live-react.js';
import { href, navigate } from '../lib/router.js';
import { usePagedList, useResource } from '../lib/use-resource.js';

export function ContactPage({ id }: { id: string }) {
  const { t, fmt } = useI18n();
  const notify = useToast();
  const path = `/contacts/${encodeURIComponent(id)}`;
  const contact = useResource((signal) => api.get<Contact>(path, { signal }), [path]);
  const calls = usePagedList<Call>(
    (cursor, signal) => api.get<Page<Call>>('/calls', { query: { contactId: id, cursor, limit: 25 }, signal }),
    [id],
  );
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);

  useLiveEvents((event) => {
    if ('call' in event && event.call.contactId === id) calls.refresh();
  });

  const data = contact.data;
  // Contacts made for unknown callers are named after the number.
  const named = data && !isNumberName(data.name, null);
  const name = data ? (named ? data.name : fmt.phone(data.name)) : undefined;
  return (
    <div className="page">
      <PageHeader
        back={href({ name: 'contacts' })}
        title={name ?? t('contact.title')}
        subtitle={data?.company}
        actions={
          data ? (
            <>
              <Button icon="edit" onClick={() => setEditing(true)} data-testid="contact-edit">
                {t('common.edit')}
              </Button>
              <Button icon="trash" variant="ghost" onClick={() => setDeleting(true)} data-testid="contact-delete">
                {t('common.delete')}
              </Button>
            </>
          ) : null
        }
      />
      {contact.error ? <ErrorNote error={contact.error} onRetry={contact.reload} /> : null}
      {!data && contact.loading ? <Loading /> : null}
      {data ? (
        <div className="contact-layout">
          <Card className="contact-card">
            <div className="contact-head">
              <div className={`avatar avatar-large ${named ? '' : 'avatar-unknown'}`}>
                {named ? initials(data.name) : <Icon name="phone" size={22} />}
              </div>
              <div>
                <strong className="contact-name">{name}</strong>
                {data.company ? <div className="muted">{data.company}</div> : null}
              </div>
            </div>
            <h3 className="section-label">{t('contact.phones')}</h3>
            {data.phones.length === 0 ? (
              <p className="muted">{t('contact.noPhones')}</p>
            ) : (
              <ul className="contact-phones" data-testid="contact-phones">
                {data.phones.map((phone) => (
                  <li key={phone.number + (phone.label ?? '')}>
                    <div>
                      <span className="mono">{fmt.phone(phone.number)}</span>
                      {phone.label ? <small className="muted"> · {phone.label}</small> : null}
                    </div>
                    <CallButton number={phone.number} label={t('dial.call')} testId="contact-call" />
                  </li>
                ))}
              </ul>
            )}
            <p className="muted small">{t('dial.ringsFirstHint')}</p>
            {data.email ? (
              <>
                <h3 className="section-label">{t('contact.email')}</h3>
                <a href={`mailto:${data.email}`}>{data.email}</a>
              </>
            ) : null}
            {data.notes ? (
              <>
                <h3 className="section-label">{t('contact.notes')}</h3>
                <p className="notes">{data.notes}</p>
              </>
            ) : null}
            <p className="muted small">{t('contact.createdAt', { date: fmt.dateTime(data.createdAt) })}</p>
          </Card>
          <Card title={t('contact.history')}>
            {calls.error && calls.items.length === 0 ? <ErrorNote error={calls.error} /> : null}
            {calls.loading ? (
              <Loading />
            ) : calls.items.length === 0 && !calls.error ? (
              <Empty icon="calls" title={t('contact.noCalls')} />
            ) : (
              <CallsTable calls={calls.items} hideWho />
            )}
            <LoadMore hasMore={calls.hasMore && !calls.loading} busy={calls.loadingMore} onClick={calls.loadMore} />
          </Card>
        </div>
      ) : null}
      {editing && data ? (
        <Modal title={t('contact.editTitle')} onClose={() => setEditing(false)} wide>
          <ContactForm
            contact={data}
            onSaved={(saved) => {
              contact.setData(() => saved);
              setEditing(false);
              notify(t('common.saved'));
            }}
            onCancel={() => setEditing(false)}
          />
        </Modal>
      ) : null}
      {deleting && data ? (
        <ConfirmDialog
          title={t('contact.deleteTitle')}
          text={t('contact.deleteText', { name: data.name })}
          confirmLabel={t('common.delete')}
          danger
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api.del(path);
            notify(t('contact.deleted'));
            navigate({ name: 'contacts' });
          }}
        />
      ) : null}
    </div>
  );
}
