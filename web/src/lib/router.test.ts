import { describe, expect, it } from 'vitest';
import { href, navSection, parseRoute } from './router.js';
import type { Route } from './router.js';

describe('parseRoute and href', () => {
  it.each<[string, Route]>([
    ['', { name: 'dashboard' }],
    ['#/', { name: 'dashboard' }],
    ['#/dashboard', { name: 'dashboard' }],
    ['#/calls', { name: 'calls', tab: 'all' }],
    ['#/calls/missed', { name: 'calls', tab: 'missed' }],
    ['#/calls/3f2a', { name: 'call', id: '3f2a' }],
    ['#/contacts', { name: 'contacts' }],
    ['#/contacts?search=%2B7%20912', { name: 'contacts', search: '+7 912' }],
    ['#/contacts/new', { name: 'contact-new' }],
    ['#/contacts/new?phone=%2B79123456789', { name: 'contact-new', phone: '+79123456789' }],
    ['#/contacts/k1', { name: 'contact', id: 'k1' }],
    ['#/telephony', { name: 'connections' }],
    ['#/telephony/new', { name: 'connection-new' }],
    ['#/telephony/modules', { name: 'modules' }],
    ['#/telephony/c%2F1', { name: 'connection', id: 'c/1', tab: 'settings' }],
    ['#/telephony/c1/webhooks', { name: 'connection', id: 'c1', tab: 'webhooks' }],
    ['#/users', { name: 'users' }],
  ])('%j ⇄ %j', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
    expect(parseRoute(href(route))).toEqual(route);
  });

  it.each(['#/nowhere', '#/calls/a/b', '#/users/5', '#/telephony/c1/other', '#/dashboard/x'])(
    '%j is not a page',
    (hash) => {
      expect(parseRoute(hash).name).toBe('not-found');
    },
  );

  it('survives a malformed escape', () => {
    expect(parseRoute('#/contacts/%E0%A4%A')).toEqual({ name: 'contact', id: '%E0%A4%A' });
  });

  it('puts each page under its navigation item', () => {
    expect(navSection({ name: 'call', id: 'x' })).toBe('calls');
    expect(navSection({ name: 'contact-new' })).toBe('contacts');
    expect(navSection({ name: 'connection', id: 'c', tab: 'webhooks' })).toBe('telephony');
    expect(navSection({ name: 'not-found', path: '/x' })).toBeNull();
  });
});
