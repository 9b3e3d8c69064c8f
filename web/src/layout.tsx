import { useEffect, useRef, useState } from 'react';
import { LanguageSwitch, Logo } from './components/chrome.js';
import { useDialer } from './components/dialer.js';
import { Icon } from './components/icons.js';
import type { IconName } from './components/icons.js';
import { ErrorBoundary } from './components/error-boundary.js';
import { Button, Empty } from './components/ui.js';
import { useI18n } from './i18n/i18n-react.js';
import type { MessageKey } from './i18n/i18n.js';
import { useLive } from './live/live-react.js';
import { setPageTitle } from './lib/page-title.js';
import { href, navSection, parseRoute } from './lib/router.js';
import type { Route } from './lib/router.js';
import { MissedCounter } from './missed-counter.js';
import { ConnectionPage } from './pages/admin/connection-page.js';
import { ConnectionsPage } from './pages/admin/connections-page.js';
import { ModulesPage } from './pages/admin/modules-page.js';
import { NewConnectionPage } from './pages/admin/new-connection-page.js';
import { UsersPage } from './pages/admin/users-page.js';
import { CallPage } from './pages/call-page.js';
import { CallsPage } from './pages/calls-page.js';
import { ContactFormPage } from './pages/contact-form-page.js';
import { ContactPage } from './pages/contact-page.js';
import { ContactsPage } from './pages/contacts-page.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { useSession } from './session.js';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

interface NavItem {
  section: NonNullable<ReturnType<typeof navSection>>;
  route: Route;
  icon: IconName;
  label: MessageKey;
  admin?: boolean;
}

const NAV: NavItem[] = [
  { section: 'dashboard', route: { name: 'dashboard' }, icon: 'dashboard', label: 'nav.dashboard' },
  { section: 'calls', route: { name: 'calls', tab: 'all' }, icon: 'calls', label: 'nav.calls' },
  { section: 'contacts', route: { name: 'contacts' }, icon: 'contacts', label: 'nav.contacts' },
  { section: 'telephony', route: { name: 'connections' }, icon: 'telephony', label: 'nav.telephony', admin: true },
  { section: 'users', route: { name: 'users' }, icon: 'users', label: 'nav.users', admin: true },
];

export function Layout() {
  const route = useRoute();
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const active = navSection(route);
  const mainRef = useRef<HTMLElement>(null);
  const activeLabel = NAV.find((item) => item.section === active)?.label;
  const pageName = activeLabel ? t(activeLabel) : null;

  useEffect(() => {
    setPageTitle(pageName ? `${pageName} · ${t('app.name')}` : t('app.name'));
  }, [pageName, t]);

  useEffect(() => {
    mainRef.current?.scrollTo?.({ top: 0 });
  }, [route.name]);

  const agentItems = NAV.filter((item) => !item.admin);
  const adminItems = NAV.filter((item) => item.admin);

  return (
    <div className="shell">
      <aside className="sidebar">
        <a className="brand" href="#/">
          <Logo />
          <span>{t('app.name')}</span>
        </a>
        <nav aria-label={t('nav.label')}>
          {agentItems.map((item) => (
            <NavLink key={item.section} item={item} active={active === item.section} />
          ))}
          {isAdmin ? (
            <>
              <div className="nav-group">{t('nav.admin')}</div>
              {adminItems.map((item) => (
                <NavLink key={item.section} item={item} active={active === item.section} />
              ))}
            </>
          ) : null}
        </nav>
      </aside>
      <div className="main-column">
        <TopBar />
        <main className="content" ref={mainRef}>
          {/* A new page starts with a fresh boundary; switching tabs within a page keeps its state. */}
          <ErrorBoundary
            key={'id' in route ? `${route.name}:${route.id}` : route.name}
            fallback={(reset) => <PageFailed onRetry={reset} />}
          >
            <RouteView route={route} isAdmin={isAdmin} />
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}

function NavLink({ item, active }: { item: NavItem; active: boolean }) {
  const { t } = useI18n();
  return (
    <a
      className={`nav-item ${active ? 'active' : ''}`}
      href={href(item.route)}
      aria-current={active ? 'page' : undefined}
      data-testid={`nav-${item.section}`}
    >
      <Icon name={item.icon} />
      <span>{t(item.label)}</span>
    </a>
  );
}

function PageFailed({ onRetry }: { onRetry(): void }) {
  const { t } = useI18n();
  return (
    <Empty
      icon="alert"
      title={t('error.pageFailed')}
      hint={t('error.pageFailedHint')}
      action={
        <Button variant="primary" icon="refresh" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      }
    />
  );
}

function RouteView({ route, isAdmin }: { route: Route; isAdmin: boolean }) {
  const { t } = useI18n();
  const adminOnly =
    route.name === 'connections' ||
    route.name === 'connection' ||
    route.name === 'connection-new' ||
    route.name === 'modules' ||
    route.name === 'users';
  if (adminOnly && !isAdmin) {
    return <Empty icon="alert" title={t('error.adminOnly')} action={<a href="#/">{t('nav.toDashboard')}</a>} />;
  }
  switch (route.name) {
    case 'dashboard':
      return <DashboardPage />;
    case 'calls':
      return <CallsPage tab={route.tab} />;
    case 'call':
      return <CallPage key={route.id} id={route.id} />;
    case 'contacts':
      return <ContactsPage initialSearch={route.search ?? ''} />;
    case 'contact':
      return <ContactPage key={route.id} id={route.id} />;
    case 'contact-new':
      return <ContactFormPage key={route.phone ?? ''} phone={route.phone} />;
    case 'connections':
      return <ConnectionsPage />;
    case 'connection-new':
      return <NewConnectionPage />;
    case 'modules':
      return <ModulesPage />;
    case 'connection':
      return <ConnectionPage key={route.id} id={route.id} tab={route.tab} />;
    case 'users':
      return <UsersPage />;
    case 'not-found':
      return <Empty icon="alert" title={t('error.pageNotFound')} action={<a href="#/">{t('nav.toDashboard')}</a>} />;
  }
}

function TopBar() {
  const { t } = useI18n();
  const { status } = useLive();
  return (
    <header className="topbar">
      <span
        className={`live-status live-${status}`}
        data-testid="live-status"
        data-status={status}
        title={t(`live.${status}`)}
      >
        <span className="dot" aria-hidden="true" />
        {t(`live.${status}`)}
      </span>
      <div className="topbar-actions">
        <MissedCounter />
        <LanguageSwitch />
        <UserMenu />
      </div>
    </header>
  );
}

function UserMenu() {
  const { t, timeZone } = useI18n();
  const { me, logout } = useSession();
  const { lines, line, setLine } = useDialer();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const extensionsOf = (connectionId: string) =>
    me.extensions
      .filter((e) => e.connectionId === connectionId)
      .map((e) => e.extension)
      .join(', ');

  return (
    <div className="user-menu" ref={ref}>
      <button
        type="button"
        className="user-button"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        data-testid="user-menu"
      >
        <span className="avatar">{me.user.name.slice(0, 1).toUpperCase()}</span>
        <span className="user-button-text">
          <strong>{me.user.name}</strong>
          <small>{t(`role.${me.user.role}`)}</small>
        </span>
        <Icon name="chevron-down" size={16} />
      </button>
      {open ? (
        <div className="menu" role="menu">
          <div className="menu-section">
            <div className="menu-label">{me.user.email}</div>
            <div className="menu-meta">{t('user.timeZoneIs', { zone: timeZone })}</div>
            <div className="menu-meta">
              {me.extensions.length > 0
                ? t('user.extensionsAre', { list: me.extensions.map((e) => e.extension).join(', ') })
                : t('user.noExtension')}
            </div>
          </div>
          {lines.length > 1 ? (
            <div className="menu-section">
              <label className="menu-label" htmlFor="outgoing-line">
                {t('dial.line')}
              </label>
              <select
                id="outgoing-line"
                value={line ?? ''}
                onChange={(e) => setLine(e.target.value)}
                data-testid="outgoing-line"
              >
                {lines.map((id) => (
                  <option key={id} value={id}>
                    {t('dial.lineOption', { extensions: extensionsOf(id) })}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          <button
            type="button"
            className="menu-item"
            role="menuitem"
            onClick={() => void logout()}
            data-testid="logout"
          >
            <Icon name="logout" size={16} />
            {t('auth.logout')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
