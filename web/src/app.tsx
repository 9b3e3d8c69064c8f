import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, onUnauthorized } from './api/api.js';
import { ApiError } from './api/client.js';
import type { Me } from './api/types.js';
import { CallPopups } from './components/call-popups.js';
import { DialerProvider } from './components/dialer.js';
import { ToastProvider } from './components/toasts.js';
import { Button, ErrorNote, Loading } from './components/ui.js';
import { I18nProvider, useI18n } from './i18n/i18n-react.js';
import { LiveProvider } from './live/live-react.js';
import { browserTimeZone, isTimeZone } from './lib/format.js';
import { announceSession, onSessionMessage } from './lib/session-channel.js';
import { Layout } from './layout.js';
import { LoginPage } from './pages/login-page.js';
import { SessionContext } from './session.js';
import type { Session } from './session.js';

type Boot =
  { phase: 'loading' } | { phase: 'anonymous' } | { phase: 'failed'; error: unknown } | { phase: 'signed-in'; me: Me };

export function App() {
  const [boot, setBoot] = useState<Boot>({ phase: 'loading' });

  const loadMe = useCallback(async () => {
    try {
      const me = await api.get<Me>('/me');
      api.setCsrfToken(me.csrfToken);
      setBoot({ phase: 'signed-in', me: { ...me, extensions: me.extensions ?? [] } });
    } catch (error) {
      setBoot(error instanceof ApiError && error.status === 401 ? { phase: 'anonymous' } : { phase: 'failed', error });
    }
  }, []);

  useEffect(() => {
    void loadMe();
  }, [loadMe]);

  useEffect(
    () =>
      onUnauthorized(() => {
        api.setCsrfToken('');
        setBoot({ phase: 'anonymous' });
      }),
    [],
  );

  useEffect(
    () =>
      onSessionMessage((message) => {
        if (message === 'signed-in') void loadMe();
        else {
          api.setCsrfToken('');
          setBoot({ phase: 'anonymous' });
        }
      }),
    [loadMe],
  );

  const me = boot.phase === 'signed-in' ? boot.me : null;
  const timeZone = me?.user.timeZone && isTimeZone(me.user.timeZone) ? me.user.timeZone : browserTimeZone();

  return (
    <I18nProvider accountLocale={me?.user.locale} timeZone={timeZone}>
      <ToastProvider>
        {boot.phase === 'loading' ? (
          <div className="boot">
            <Loading />
          </div>
        ) : boot.phase === 'failed' ? (
          <BootFailed error={boot.error} onRetry={() => void loadMe()} />
        ) : boot.phase === 'anonymous' ? (
          <LoginPage
            onSignedIn={async () => {
              await loadMe();
              announceSession('signed-in');
            }}
          />
        ) : (
          <SignedIn me={boot.me} onSignedOut={() => setBoot({ phase: 'anonymous' })} />
        )}
      </ToastProvider>
    </I18nProvider>
  );
}

function SignedIn({ me, onSignedOut }: { me: Me; onSignedOut(): void }) {
  const session = useMemo<Session>(
    () => ({
      me,
      isAdmin: me.user.role === 'admin',
      async logout() {
        try {
          await api.post('/auth/logout');
        } finally {
          api.setCsrfToken('');
          announceSession('signed-out');
          onSignedOut();
        }
      },
    }),
    [me, onSignedOut],
  );

  // The stream gave up (e.g. 401): asking for /me either signs the user out or proves the session is fine.
  const checkSession = useCallback(() => {
    api.get<Me>('/me').then(
      (fresh) => api.setCsrfToken(fresh.csrfToken),
      () => {},
    );
  }, []);

  return (
    <SessionContext.Provider value={session}>
      <LiveProvider userId={me.user.id} onStreamGiveUp={checkSession}>
        <DialerProvider>
          <Layout />
          <CallPopups />
        </DialerProvider>
      </LiveProvider>
    </SessionContext.Provider>
  );
}

function BootFailed({ error, onRetry }: { error: unknown; onRetry(): void }) {
  const { t } = useI18n();
  return (
    <div className="boot">
      <div className="boot-card">
        <h1>{t('app.name')}</h1>
        <ErrorNote error={error} />
        <Button variant="primary" icon="refresh" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      </div>
    </div>
  );
}
