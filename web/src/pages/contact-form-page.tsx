import { ContactForm } from '../components/contact-form.js';
import { Card, PageHeader } from '../components/ui.js';
import { useI18n } from '../i18n/i18n-react.js';
import { href, navigate } from '../lib/router.js';

/** A new contact, e.g. from a popup's "Create contact" with the caller's number filled in. */
export function ContactFormPage({ phone }: { phone?: string }) {
  const { t } = useI18n();
  return (
    <div className="page page-narrow">
      <PageHeader back={href({ name: 'contacts' })} title={t('contact.newTitle')} />
      <Card>
        <ContactForm
          phone={phone}
          onSaved={(contact) => navigate({ name: 'contact', id: contact.id })}
          onCancel={() => window.history.back()}
        />
      </Card>
    </div>
  );
}
