import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../testing/databases.js';
import { createTestApp, type TestApp } from '../../testing/test-app.js';
import type { User } from '../../storage/index.js';

describeEachDatabase('contact routes', (getStore) => {
  let test: TestApp;
  afterEach(async () => test?.app.close());

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, user?: User) =>
    test.app.inject({
      method,
      url,
      headers: await test.auth(user ?? test.anna),
      ...(payload === undefined ? {} : { payload }),
    });
  const ivan = {
    name: 'Ivan Petrov',
    company: 'Romashka',
    email: 'ivan@example.com',
    phones: [{ number: '8 (495) 123-45-67', label: 'work' }, '+7 916 123 45 67'],
  };

  it('creates a contact with normalised phones, owned by its creator, and reads it back', async () => {
    test = await createTestApp(getStore());
    const created = await call('POST', '/api/v1/contacts', ivan);
    expect(created.statusCode).toBe(201);
    const contact = created.json();
    expect(contact).toMatchObject({
      name: 'Ivan Petrov',
      company: 'Romashka',
      email: 'ivan@example.com',
      notes: null,
      ownerId: test.anna.id,
      phones: [
        { number: '+74951234567', raw: '8 (495) 123-45-67', label: 'work' },
        { number: '+79161234567', raw: '+7 916 123 45 67', label: null },
      ],
    });
    expect(contact.createdAt).toBe(contact.updatedAt);
    expect((await call('GET', `/api/v1/contacts/${contact.id}`, undefined, test.boris)).json()).toEqual(contact);
  });

  it('uses the country given for local numbers', async () => {
    test = await createTestApp(getStore());
    const created = await call('POST', '/api/v1/contacts', { name: 'Hans', country: 'DE', phones: ['030 1234567'] });
    expect(created.json().phones[0].number).toBe('+49301234567');
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: 'A', email: 'not-mail' }, 'email'],
    [{ name: 'A', phones: ['+74951234567', 'call me'] }, 'phones[1].number'],
    [{ name: 'A', phones: [{ label: 'x' }] }, 'phones[0].number'],
    [{ name: 'A', phones: 'x' }, 'phones'],
    [{ name: 'A', ownerId: 'nobody' }, 'ownerId'],
    [{ name: 'A', country: 'XX' }, 'country'],
    [{ name: 'A', company: 5 }, 'company'],
  ])('refuses %j naming %s', async (payload, field) => {
    test = await createTestApp(getStore());
    const response = await call('POST', '/api/v1/contacts', payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation', field });
  });

  it('edits the fields given, replaces phones, and lets only admins delete', async () => {
    test = await createTestApp(getStore());
    const { id } = (await call('POST', '/api/v1/contacts', ivan)).json();
    const edited = await call('PATCH', `/api/v1/contacts/${id}`, { notes: 'VIP', phones: ['84997654321'] }, test.boris);
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ name: 'Ivan Petrov', notes: 'VIP', phones: [{ number: '+74997654321' }] });
    expect((await call('PATCH', `/api/v1/contacts/${id}`, { name: ' ' })).json().error.field).toBe('name');
    expect((await call('PATCH', '/api/v1/contacts/none', { notes: 'x' })).statusCode).toBe(404);

    expect((await call('DELETE', `/api/v1/contacts/${id}`)).statusCode).toBe(403);
    expect((await call('DELETE', `/api/v1/contacts/${id}`, undefined, test.admin)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/contacts/${id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/contacts/${id}`, undefined, test.admin)).statusCode).toBe(404);
  });

  it('searches by name, company or any spelling of a number, and pages', async () => {
    test = await createTestApp(getStore());
    await call('POST', '/api/v1/contacts', ivan);
    await call('POST', '/api/v1/contacts', { name: 'Anna Sidorova', company: 'Vasilek', phones: ['+74950000000'] });
    const names = async (query: string) =>
      (await call('GET', `/api/v1/contacts?${query}`)).json().items.map((c: { name: string }) => c.name);

    expect(await names('')).toEqual(['Anna Sidorova', 'Ivan Petrov']);
    expect(await names('search=petr')).toEqual(['Ivan Petrov']);
    expect(await names('search=VASIL')).toEqual(['Anna Sidorova']);
    for (const spelling of ['8 (495) 123-45-67', '+74951234567', '74951234567', '4567']) {
      expect(await names(`search=${encodeURIComponent(spelling)}`), spelling).toEqual(['Ivan Petrov']);
    }
    const first = (await call('GET', '/api/v1/contacts?limit=1')).json();
    expect(first.items).toHaveLength(1);
    expect((await call('GET', `/api/v1/contacts?limit=1&cursor=${first.nextCursor}`)).json().items[0].name).toBe(
      'Ivan Petrov',
    );
    expect((await call('GET', '/api/v1/contacts?cursor=bad')).json().error.field).toBe('cursor');
  });

  it('looks a contact up by any spelling of a number', async () => {
    test = await createTestApp(getStore());
    const { id } = (await call('POST', '/api/v1/contacts', ivan)).json();
    for (const phone of ['89161234567', '+7 (916) 123-45-67', '79161234567']) {
      const found = await call('GET', `/api/v1/contacts/lookup?phone=${encodeURIComponent(phone)}`);
      expect(found.json().id, phone).toBe(id);
    }
    expect((await call('GET', '/api/v1/contacts/lookup?phone=%2B74990000000')).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/contacts/lookup')).json().error.field).toBe('phone');
  });

  it('imports CSV with quoted fields, updates by number and rejects bad rows with reasons', async () => {
    test = await createTestApp(getStore());
    const { id } = (await call('POST', '/api/v1/contacts', ivan)).json();
    const csv = [
      'Name,Company,Phones',
      '"Smith, John","Acme ""Best"" Co","+1 212 555 0100; +1 212 555 0101"',
      'Ivan P.,Romashka,"8 495 123 45 67, 8 499 111 22 33"',
      ',No Name,+74951112233',
      'Bad Phone,X,call me',
      'Too,Many,Fields,Here',
      '',
    ].join('\r\n');
    const response = await test.app.inject({
      method: 'POST',
      url: '/api/v1/contacts/import',
      payload: csv,
      headers: { ...(await test.auth(test.anna)), 'content-type': 'text/csv' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      created: 1,
      updated: 1,
      rejected: [
        { row: 4, reason: 'the name is empty' },
        { row: 5, reason: '"call me" is not a phone number' },
        { row: 6, reason: '4 fields where the header has 3' },
      ],
    });
    const smith = (await call('GET', '/api/v1/contacts?search=smith')).json().items[0];
    expect(smith).toMatchObject({ name: 'Smith, John', company: 'Acme "Best" Co' });
    expect(smith.phones.map((p: { number: string }) => p.number)).toEqual(['+12125550100', '+12125550101']);
    const updated = (await call('GET', `/api/v1/contacts/${id}`)).json();
    expect(updated.name).toBe('Ivan P.');
    expect(updated.phones.map((p: { number: string }) => p.number)).toContain('+74991112233');
  });

  it('refuses a CSV without a name column or with an unclosed quote', async () => {
    test = await createTestApp(getStore());
    for (const csv of ['company,phones\nAcme,+74951234567\n', 'name\n"open\n']) {
      const response = await test.app.inject({
        method: 'POST',
        url: '/api/v1/contacts/import',
        payload: csv,
        headers: { ...(await test.auth(test.anna)), 'content-type': 'text/csv' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.field).toBe('csv');
    }
  });

  it.each([
    ['GET', '/api/v1/contacts'],
    ['POST', '/api/v1/contacts'],
    ['GET', '/api/v1/contacts/lookup?phone=1'],
    ['POST', '/api/v1/contacts/import'],
    ['GET', '/api/v1/contacts/x'],
    ['PATCH', '/api/v1/contacts/x'],
    ['DELETE', '/api/v1/contacts/x'],
  ] as const)('refuses anonymous %s %s with 401', async (method, url) => {
    test = await createTestApp(getStore());
    expect((await test.app.inject({ method, url })).statusCode).toBe(401);
  });
});
