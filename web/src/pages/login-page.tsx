import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorText } from '../api/api.js';
import type { User } from '../api/types.js';
import { LanguageSwitch, Logo } from '../components/chrome.js';
import { Icon } from '../components/icons.js';
import { Button } from '../components/ui.js';
import { useI18n } from '../i18n/i18n-react.js';

export function LoginPage({ onSignedIn }: { onSignedIn(): Promise<void> }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await api.post<{ user: User; csrfToken: string }>('/auth/login', {
        email: email.trim(),
        password,
      });
      api.setCsrfToken(result.csrfToken);
      await onSignedIn();
    } catch (err) {
      setError(errorText(err, t));
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <div className="login-top">
        <LanguageSwitch />
      </div>
      <form className="login-card" onSubmit={submit} data-testid="login-form" noValidate>
        <div className="login-brand">
          <Logo />
          <span>{t('app.name')}</span>
        </div>
        <h1>{t('auth.title')}</h1>
        <p className="muted">{t('auth.subtitle')}</p>
        <label className="stacked">
          <span>{t('auth.email')}</span>
          <input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="login-email"
            autoFocus
          />
        </label>
        <label className="stacked">
          <span>{t('auth.password')}</span>
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </label>
        {error ? (
          <div className="note note-error" role="alert" data-testid="login-error">
            <Icon name="alert" />
            <span>{error}</span>
          </div>
        ) : null}
        <Button
          type="submit"
          variant="primary"
          busy={busy}
          disabled={!email || !password}
          data-testid="login-submit"
          className="login-submit"
        >
          {t('auth.submit')}
        </Button>
      </form>
    </div>
  );
}
