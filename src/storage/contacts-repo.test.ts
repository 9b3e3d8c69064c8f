import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { at, buildCall, seedConnection, seedUser } from '../testing/storage-fixtures.js';
import type { ContactFilter, NewContactPhone } from './contacts-repo.js';
import type { Store } from './database.js';

function phone(number: string, label: string | null = null): NewContactPhone {
  return { number, raw: number.replace('+7', '8 '), label };
}

function seedContact(store: Store, name: string, phones: NewContactPhone[] = [], company: string | null = null) {
  return store.contacts.create({ name, company, phones, created_at: at(0), updated_at: at(0) });
}

async function names(store: Store, filter: ContactFilter): Promise<string[]> {
  return (await store.contacts.list(filter)).items.map((c) => c.name);
}

describeEachDatabase('ContactsRepo', (getStore) => {
  it('creates a contact with its phones and reads it back', async () => {
    const { contacts } = getStore();
    const created = await contacts.create({
      name: 'Ivan Petrov',
      company: 'Romashka',
      email: 'ivan@romashka.ru',
      created_at: at(0),
      updated_at: at(0),
      phones: [phone('+74951234567', 'work'), phone('+79161234567')],
    });
    expect(created).toMatchObject({ name: 'Ivan Petrov', notes: null, owner_id: null });
    expect(created.phones.map((p) => [p.number, p.raw, p.label, p.contact_id])).toEqual([
      ['+74951234567', '8 4951234567', 'work', created.id],
      ['+79161234567', '8 9161234567', null, created.id],
    ]);
    expect(await contacts.get(created.id)).toEqual(created);
    expect(await contacts.get('missing')).toBeUndefined();
  });

  it('updates fields, replaces phones only when given, and deletes', async () => {
    const store = getStore();
    const contact = await seedContact(store, 'Ivan', [phone('+71')]);
    const renamed = await store.contacts.update(contact.id, { name: 'Ivan P.', updated_at: at(1) });
    expect(renamed).toMatchObject({ name: 'Ivan P.', updated_at: at(1) });
    expect(renamed?.phones.map((p) => p.number)).toEqual(['+71']);

    const rephoned = await store.contacts.update(contact.id, {
      updated_at: at(2),
      phones: [phone('+72'), phone('+73')],
    });
    expect(rephoned?.phones.map((p) => p.number)).toEqual(['+72', '+73']);
    expect(await store.contacts.findByNumber('+71')).toEqual([]);
    expect(await store.contacts.update('missing', { name: 'x', updated_at: at(3) })).toBeUndefined();

    const connection = await seedConnection(store);
    const call = buildCall(connection.id, { contact_id: contact.id });
    await store.calls.save({ call, legs: [] });
    expect(await store.contacts.delete(contact.id)).toBe(true);
    expect(await store.contacts.delete(contact.id)).toBe(false);
    expect((await store.calls.get(call.id))?.call.contact_id).toBeNull();
    expect(await store.db.selectFrom('contact_phones').selectAll().execute()).toEqual([]);
  });

  it('finds every contact with a number, oldest first', async () => {
    const store = getStore();
    const newer = await store.contacts.create({
      name: 'B',
      created_at: at(5),
      updated_at: at(5),
      phones: [phone('+7000')],
    });
    const older = await store.contacts.create({
      name: 'A',
      created_at: at(1),
      updated_at: at(1),
      phones: [phone('+7000')],
    });
    await seedContact(store, 'C', [phone('+7001')]);
    expect((await store.contacts.findByNumber('+7000')).map((c) => c.id)).toEqual([older.id, newer.id]);
    expect(await store.contacts.findByNumber('+700')).toEqual([]);
  });

  it('finds a contact by number with all its phones, once, even with the number twice', async () => {
    const store = getStore();
    const several = await store.contacts.create({
      name: 'D',
      created_at: at(1),
      updated_at: at(1),
      phones: [phone('+7002'), { ...phone('+7003'), label: 'work' }, phone('+7002')],
    });
    const found = await store.contacts.findByNumber('+7003');
    expect(found).toEqual([await store.contacts.get(several.id)]);
    expect(found[0]?.phones.map((p) => [p.number, p.label])).toEqual([
      ['+7002', null],
      ['+7003', 'work'],
      ['+7002', null],
    ]);
    expect(await store.contacts.findByNumber('+7002')).toEqual(found);
  });

  it.each<[string, string, string[]]>([
    ['a name substring, ignoring case', 'PETR', ['Ivan Petrov', 'Petr Ivanov']],
    ['a company substring', 'roga', ['Anna Sidorova']],
    ['Cyrillic, ignoring case', 'мАРИ', ['Мария Кузнецова']],
    ['a literal percent sign', '100%', ['Fund 100%']],
    ['a literal underscore', 'a_b', ['a_b team']],
    ['a number prefix, with formatting', '+7 (916) 11', ['Ivan Petrov']],
    ['a number prefix without the plus', '7916', ['Ivan Petrov', 'Petr Ivanov']],
    ['a number suffix', '4567', ['Anna Sidorova', 'Petr Ivanov']],
    ['nothing for a middle part of a number', '1611', []],
    [
      'everything for a blank search',
      '   ',
      [
        'a_b team',
        'Anna Sidorova',
        'axb team',
        'Fund 100%',
        'Fund 1000',
        'Ivan Petrov',
        'Petr Ivanov',
        'Мария Кузнецова',
      ],
    ],
  ])('searches by %s', async (_, search, expected) => {
    const store = getStore();
    await seedContact(store, 'Ivan Petrov', [phone('+79161100000')]);
    await seedContact(store, 'Petr Ivanov', [phone('+79165554567')]);
    await seedContact(store, 'Anna Sidorova', [phone('+74951234567')], 'Roga i Kopyta');
    await seedContact(store, 'Мария Кузнецова');
    await seedContact(store, 'Fund 100%');
    await seedContact(store, 'Fund 1000');
    await seedContact(store, 'a_b team');
    await seedContact(store, 'axb team');
    expect(await names(store, { search, limit: 500 })).toEqual(expected);
  });

  it('pages alphabetically, ignoring case, with ties broken by id', async () => {
    const store = getStore();
    const input = ['delta', 'Alpha', 'charlie', 'Bravo', 'alpha', 'Echo', 'Ёж', 'ёлка'];
    for (const name of input) await seedContact(store, name);
    const seen: { name: string; id: string }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.contacts.list({ limit: 3, ...(cursor && { cursor }) });
      seen.push(...page.items.map(({ name, id }) => ({ name, id })));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor !== undefined);
    expect(pages).toBe(3);
    const key = (c: { name: string; id: string }) => [c.name.toLowerCase(), c.id] as const;
    const sorted = [...seen].sort((a, b) => {
      const [ka, kb] = [key(a), key(b)];
      return ka[0] < kb[0] ? -1 : ka[0] > kb[0] ? 1 : ka[1] < kb[1] ? -1 : 1;
    });
    expect(seen).toEqual(sorted);
    expect(seen.map((c) => c.name.toLowerCase())).toEqual([
      'alpha',
      'alpha',
      'bravo',
      'charlie',
      'delta',
      'echo',
      'ёж',
      'ёлка',
    ]);
  });

  it('filters by owner and combines it with search', async () => {
    const store = getStore();
    const owner = await seedUser(store);
    await store.contacts.create({ name: 'Mine', owner_id: owner.id, created_at: at(0), updated_at: at(0) });
    await store.contacts.create({ name: 'Mine too', owner_id: owner.id, created_at: at(0), updated_at: at(0) });
    await seedContact(store, 'Mine, not owned');
    expect(await names(store, { ownerId: owner.id })).toEqual(['Mine', 'Mine too']);
    expect(await names(store, { ownerId: owner.id, search: 'too' })).toEqual(['Mine too']);
  });

  it.each<[string, ContactFilter]>([
    ['a cursor that is not base64 JSON', { cursor: '%%%' }],
    ['a cursor of the wrong shape', { cursor: Buffer.from('[1]').toString('base64url') }],
    ['a zero limit', { limit: 0 }],
    ['a limit above the maximum', { limit: 501 }],
  ])('rejects %s as invalid input', async (_, filter) => {
    await expect(getStore().contacts.list(filter)).rejects.toMatchObject({
      name: 'StorageError',
      code: 'invalid_input',
    });
  });

  it('imports: creates new contacts, updates matches by number or id, adds missing phones', async () => {
    const store = getStore();
    const byNumber = await store.contacts.create({
      name: 'Old name',
      company: 'Kept Ltd',
      notes: 'kept',
      created_at: at(0),
      updated_at: at(0),
      phones: [phone('+7100')],
    });
    const byId = await seedContact(store, 'By id');

    const result = await store.contacts.upsertMany(
      [
        { name: 'New name', email: 'n@x.io', phones: [phone('+7100'), phone('+7101', 'mobile')] },
        { id: byId.id, name: 'By id, renamed', company: null, phones: [] },
        { name: 'Fresh', phones: [phone('+7200'), phone('+7200')] },
        { name: 'Same number as Fresh', phones: [phone('+7200'), phone('+7201')] },
        { id: 'chosen-id', name: 'Chosen id', phones: [] },
      ],
      at(100),
    );

    const fresh = (await store.contacts.findByNumber('+7201'))[0];
    expect(result).toEqual({ created: [fresh?.id, 'chosen-id'], updated: [byNumber.id, byId.id, fresh?.id] });
    expect(await store.contacts.get(byNumber.id)).toMatchObject({
      name: 'New name',
      company: 'Kept Ltd',
      notes: 'kept',
      email: 'n@x.io',
      updated_at: at(100),
      created_at: at(0),
    });
    expect((await store.contacts.get(byNumber.id))?.phones.map((p) => [p.number, p.label])).toEqual([
      ['+7100', null],
      ['+7101', 'mobile'],
    ]);
    expect(await store.contacts.get(byId.id)).toMatchObject({ name: 'By id, renamed', company: null });
    expect(fresh).toMatchObject({ name: 'Same number as Fresh', created_at: at(100) });
    expect(fresh?.phones.map((p) => p.number)).toEqual(['+7200', '+7201']);
    expect(await store.contacts.get('chosen-id')).toMatchObject({ name: 'Chosen id', created_at: at(100) });
  });

  it('imports all rows or none', async () => {
    const store = getStore();
    const failure = store.contacts.upsertMany(
      [
        { name: 'Fine', phones: [phone('+7300')] },
        { name: 'Owner does not exist', owner_id: 'no-such-user', phones: [] },
      ],
      at(0),
    );
    await expect(failure).rejects.toThrow();
    expect((await store.contacts.list()).items).toEqual([]);
  });
});
