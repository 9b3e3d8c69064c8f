/**
 * Routes live in the URL hash (`#/calls/missed`), so the hub can serve the UI as static files at `/`
 * without a fallback route for every page.
 */

export type CallsTab = 'all' | 'missed';
export type ConnectionTab = 'settings' | 'webhooks';

export type Route =
  | { name: 'dashboard' }
  | { name: 'calls'; tab: CallsTab }
  | { name: 'call'; id: string }
  | { name: 'contacts'; search?: string }
  | { name: 'contact'; id: string }
  | { name: 'contact-new'; phone?: string }
  | { name: 'connections' }
  | { name: 'connection-new' }
  | { name: 'modules' }
  | { name: 'connection'; id: string; tab: ConnectionTab }
  | { name: 'users' }
  | { name: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?', 2);
  const query = new URLSearchParams(queryPart);
  const segments = pathPart
    .split('/')
    .filter(Boolean)
    .map((s) => safeDecode(s));
  const [first, second, third] = segments;

  if (segments.length === 0) return { name: 'dashboard' };
  switch (first) {
    case 'dashboard':
      if (segments.length === 1) return { name: 'dashboard' };
      break;
    case 'calls':
      if (segments.length === 1) return { name: 'calls', tab: 'all' };
      if (second === 'missed' && segments.length === 2) return { name: 'calls', tab: 'missed' };
      if (second && segments.length === 2) return { name: 'call', id: second };
      break;
    case 'contacts':
      if (segments.length === 1) return withOptional({ name: 'contacts' }, 'search', query.get('search'));
      if (second === 'new' && segments.length === 2)
        return withOptional({ name: 'contact-new' }, 'phone', query.get('phone'));
      if (second && segments.length === 2) return { name: 'contact', id: second };
      break;
    case 'telephony':
      if (segments.length === 1) return { name: 'connections' };
      if (second === 'new' && segments.length === 2) return { name: 'connection-new' };
      if (second === 'modules' && segments.length === 2) return { name: 'modules' };
      if (second && segments.length === 2) return { name: 'connection', id: second, tab: 'settings' };
      if (second && third === 'webhooks' && segments.length === 3)
        return { name: 'connection', id: second, tab: 'webhooks' };
      break;
    case 'users':
      if (segments.length === 1) return { name: 'users' };
      break;
  }
  return { name: 'not-found', path: pathPart };
}

/** The `#/…` link for a route; `parseRoute(href(r))` gives `r` back. */
export function href(route: Route): string {
  const e = encodeURIComponent;
  switch (route.name) {
    case 'dashboard':
      return '#/';
    case 'calls':
      return route.tab === 'missed' ? '#/calls/missed' : '#/calls';
    case 'call':
      return `#/calls/${e(route.id)}`;
    case 'contacts':
      return route.search ? `#/contacts?search=${e(route.search)}` : '#/contacts';
    case 'contact':
      return `#/contacts/${e(route.id)}`;
    case 'contact-new':
      return route.phone ? `#/contacts/new?phone=${e(route.phone)}` : '#/contacts/new';
    case 'connections':
      return '#/telephony';
    case 'connection-new':
      return '#/telephony/new';
    case 'modules':
      return '#/telephony/modules';
    case 'connection':
      return route.tab === 'webhooks' ? `#/telephony/${e(route.id)}/webhooks` : `#/telephony/${e(route.id)}`;
    case 'users':
      return '#/users';
    case 'not-found':
      return `#/${route.path.replace(/^\//, '')}`;
  }
}

/** Which top-level navigation item a route belongs to. */
export function navSection(route: Route): 'dashboard' | 'calls' | 'contacts' | 'telephony' | 'users' | null {
  switch (route.name) {
    case 'dashboard':
      return 'dashboard';
    case 'calls':
    case 'call':
      return 'calls';
    case 'contacts':
    case 'contact':
    case 'contact-new':
      return 'contacts';
    case 'connections':
    case 'connection':
    case 'connection-new':
    case 'modules':
      return 'telephony';
    case 'users':
      return 'users';
    case 'not-found':
      return null;
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

function withOptional<R extends Route, K extends string>(route: R, key: K, value: string | null): R {
  return value ? { ...route, [key]: value } : route;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
