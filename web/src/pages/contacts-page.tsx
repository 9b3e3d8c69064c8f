import { useEffect, useState } from 'react';
import { api } from '../api/api.js';
import type { Contact, Page } from '../api/types.js';
import { ContactImport } from '../components/contact-import.js';
import { PhoneNumber } from '../components/dialer.js';
import { Icon } from '../components/icons.js';
import { Button, Card, Empty, ErrorNote, LoadMore, Loading, PageHeader } from '../components/ui.js';
import { useI18n } from '../i18n/i18n-react.js';
import { isNumberName } from '../lib/phone.js';
import { href, navigate } from '../lib/router.js';
import { useDebounced } from '../lib/use-debounced.js';
import { usePagedList } from '../lib/use-resource.js';

export function ContactsPage({ initialSearch }: { initialSearch: string }) {
  const { t, fmt } = useI18n();
  const [search, setSearch] = useState(initialSearch);
  const [importing, setImporting] = useState(false);
  const query = useDebounced(search.trim());

  // Keep the search in the URL, so "back" from a contact returns to the same results.
  useEffect(() => {
    const target = href({ name: 'contacts', search: query || undefined });
    if (window.location.hash !== target) window.history.replaceState(null, '', target);
  }, [query]);

  const list = usePagedList<Contact>(
    (cursor, signal) => api.get<Page<Contact>>('/contacts', { query: { search: query, cursor, limit: 50 }, signal }),
    [query],
  );

  return (
    <div className="page">
      <PageHeader
        title={t('contacts.title')}
        actions={
          <>
            <Button icon="upload" onClick={() => setImporting(true)} data-testid="contacts-import">
              {t('contacts.import')}
            </Button>
            <a className="button button-primary" href={href({ name: 'contact-new' })} data-testid="contacts-new">
              <Icon name="plus" size={17} />
              {t('contacts.new')}
            </a>
          </>
        }
      />
      <div className="search-box">
        <Icon name="search" />
        <input
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder={t('contacts.searchPlaceholder')}
          aria-label={t('contacts.searchPlaceholder')}
          autoFocus
          data-testid="contacts-search"
        />
      </div>
      <Card>
        {list.error && list.items.length === 0 ? <ErrorNote error={list.error} /> : null}
        {list.loading ? (
          <Loading />
        ) : list.items.length === 0 && !list.error ? (
          <Empty
            icon="contacts"
            title={query ? t('contacts.noMatches') : t('contacts.empty')}
            hint={query ? t('contacts.noMatchesHint') : t('contacts.emptyHint')}
          />
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="contacts-table">
              <thead>
                <tr>
                  <th>{t('contact.name')}</th>
                  <th>{t('contact.phones')}</th>
                  <th>{t('contact.email')}</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((contact) => (
                  <tr
                    key={contact.id}
                    className="clickable"
                    onClick={() => navigate({ name: 'contact', id: contact.id })}
                    data-testid="contact-row"
                    data-contact-id={contact.id}
                  >
                    <td>
                      <a
                        href={href({ name: 'contact', id: contact.id })}
                        className="who-name"
                        onClick={(e) => e.stopPropagation()}
                      >
                        {isNumberName(contact.name, null) ? fmt.phone(contact.name) : contact.name}
                      </a>
                      {contact.company ? <div className="muted small">{contact.company}</div> : null}
                    </td>
                    <td>
                      <div className="phone-list">
                        {contact.phones.map((p) => (
                          <PhoneNumber key={p.number + (p.label ?? '')} number={p.number} />
                        ))}
                      </div>
                    </td>
                    <td>{contact.email ?? <span className="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <LoadMore hasMore={list.hasMore && !list.loading} busy={list.loadingMore} onClick={list.loadMore} />
      </Card>
      {importing ? <ContactImport onClose={() => setImporting(false)} onImported={list.refresh} /> : null}
    </div>
  );
}
