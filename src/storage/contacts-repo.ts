import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Kysely,
  type RawBuilder,
  type SqlBool,
} from 'kysely';
import {
  decodeKeyCursor,
  encodeCursor,
  escapeLike,
  inTransaction,
  like,
  pageSize,
  toPage,
  withId,
  type NewRow,
  type Page,
  type SqlDialect,
} from './repo-helpers.js';
import type { Contact, ContactPhone, ContactsTable, Database } from './schema.js';

/** `number` is normalised by the caller (E.164, or the digits when unparseable); `raw` is as typed. */
export interface NewContactPhone {
  number: string;
  raw: string;
  label?: string | null;
}

export type NewContact = NewRow<Insertable<ContactsTable>> & { phones?: readonly NewContactPhone[] };

/** `phones`, when given, replaces all of the contact's phones. */
export type ContactPatch = Partial<Omit<Insertable<ContactsTable>, 'id' | 'created_at'>> & {
  updated_at: string;
  phones?: readonly NewContactPhone[];
};

export interface ContactWithPhones extends Contact {
  /** In the order they were added. */
  phones: ContactPhone[];
}

export interface ContactFilter {
  /**
   * Case-insensitive substring of the name or company; when it looks like a phone number
   * (digits, spaces, `+()-.`), also a prefix or suffix of one of the contact's numbers.
   */
  search?: string;
  ownerId?: string;
  cursor?: string;
  limit?: number;
}

/** One CSV row. Fields left undefined keep the existing contact's value. */
export interface ContactImportRow {
  id?: string;
  name: string;
  company?: string | null;
  email?: string | null;
  notes?: string | null;
  owner_id?: string | null;
  phones: readonly NewContactPhone[];
}

export interface ContactImportResult {
  created: string[];
  updated: string[];
}

const PHONE_LIKE = /^[+\d\s().-]+$/;

/** Contacts with their phones. Lists sort by the lower-cased name, in code-point order on both databases. */
export class ContactsRepo {
  private readonly sortKey: RawBuilder<string>;

  constructor(
    private readonly db: Kysely<Database>,
    dialect: SqlDialect,
  ) {
    // PostgreSQL would otherwise sort by the database locale, SQLite by bytes.
    this.sortKey =
      dialect === 'postgres' ? sql<string>`lower(contacts.name) collate "C"` : sql<string>`lower(contacts.name)`;
  }

  create(input: NewContact): Promise<ContactWithPhones> {
    const { phones = [], ...contact } = withId(input);
    return inTransaction(this.db, async (tx) => {
      const row = await tx.insertInto('contacts').values(contact).returningAll().executeTakeFirstOrThrow();
      return { ...row, phones: await insertPhones(tx, row.id, phones) };
    });
  }

  async get(id: string): Promise<ContactWithPhones | undefined> {
    const row = await this.db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && (await withPhones(this.db, [row]))[0];
  }

  update(id: string, patch: ContactPatch): Promise<ContactWithPhones | undefined> {
    const { phones, ...fields } = patch;
    return inTransaction(this.db, async (tx) => {
      const row = await tx.updateTable('contacts').set(fields).where('id', '=', id).returningAll().executeTakeFirst();
      if (row === undefined) return undefined;
      if (phones !== undefined) {
        await tx.deleteFrom('contact_phones').where('contact_id', '=', id).execute();
        await insertPhones(tx, id, phones);
      }
      return (await withPhones(tx, [row]))[0];
    });
  }

  /** Calls keep their history with a null contact. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('contacts').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Every contact with this normalised number, oldest first (the caller decides what several matches mean). */
  async findByNumber(number: string): Promise<ContactWithPhones[]> {
    const rows = await this.db
      .selectFrom('contacts')
      .selectAll()
      .where('id', 'in', (eb) => eb.selectFrom('contact_phones').select('contact_id').where('number', '=', number))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return withPhones(this.db, rows);
  }

  async list(filter: ContactFilter = {}): Promise<Page<ContactWithPhones>> {
    const limit = pageSize(filter.limit);
    const sortKey = this.sortKey;
    let query = this.db.selectFrom('contacts').selectAll('contacts').select(sortKey.as('sort_key'));
    const search = filter.search?.trim();
    if (search) query = query.where((eb) => matches(eb, search));
    if (filter.ownerId !== undefined) query = query.where('contacts.owner_id', '=', filter.ownerId);
    if (filter.cursor !== undefined) {
      const [key, id] = decodeKeyCursor(filter.cursor);
      query = query.where((eb) =>
        eb.or([eb(sortKey, '>', key), eb.and([eb(sortKey, '=', key), eb('contacts.id', '>', id)])]),
      );
    }
    const rows = await query
      .orderBy(sortKey)
      .orderBy('contacts.id')
      .limit(limit + 1)
      .execute();
    const page = toPage(rows, limit, (row) => encodeCursor([row.sort_key, row.id]));
    const contacts = await withPhones(
      this.db,
      page.items.map(({ sort_key: _, ...contact }) => contact),
    );
    return { items: contacts, nextCursor: page.nextCursor };
  }

  /**
   * The CSV import, in one transaction. A row with an `id` updates that contact (or creates it with
   * that id); otherwise a row whose number some contact already has updates the oldest such contact;
   * otherwise it creates one. Updates add the phones the contact lacks and never remove any.
   */
  upsertMany(rows: readonly ContactImportRow[], at: string): Promise<ContactImportResult> {
    return inTransaction(this.db, async (tx) => {
      const result: ContactImportResult = { created: [], updated: [] };
      for (const { id, phones, ...fields } of rows) {
        const existingId = await findImportTarget(tx, id, phones);
        if (existingId === undefined) {
          const contact = await tx
            .insertInto('contacts')
            .values(withId({ id, ...fields, created_at: at, updated_at: at }))
            .returning('id')
            .executeTakeFirstOrThrow();
          await insertPhones(tx, contact.id, uniqueByNumber(phones, new Set()));
          result.created.push(contact.id);
        } else {
          await tx
            .updateTable('contacts')
            .set({ ...fields, updated_at: at })
            .where('id', '=', existingId)
            .execute();
          const known = await tx
            .selectFrom('contact_phones')
            .select('number')
            .where('contact_id', '=', existingId)
            .execute();
          await insertPhones(tx, existingId, uniqueByNumber(phones, new Set(known.map((p) => p.number))));
          result.updated.push(existingId);
        }
      }
      return result;
    });
  }
}

function matches(eb: ExpressionBuilder<Database, 'contacts'>, search: string): Expression<SqlBool> {
  const pattern = `%${escapeLike(search)}%`;
  const conditions: Expression<SqlBool>[] = [
    like(sql`lower(contacts.name)`, sql`lower(${pattern})`),
    like(sql`lower(contacts.company)`, sql`lower(${pattern})`),
  ];
  const digits = PHONE_LIKE.test(search) ? search.replace(/\D/g, '') : '';
  if (digits !== '') {
    const number = sql.ref<string>('contact_phones.number');
    conditions.push(
      eb.exists(
        eb
          .selectFrom('contact_phones')
          .select('contact_phones.id')
          .whereRef('contact_phones.contact_id', '=', 'contacts.id')
          .where((inner) =>
            inner.or([like(number, `${digits}%`), like(number, `+${digits}%`), like(number, `%${digits}`)]),
          ),
      ),
    );
  }
  return eb.or(conditions);
}

async function findImportTarget(
  tx: Kysely<Database>,
  id: string | undefined,
  phones: readonly NewContactPhone[],
): Promise<string | undefined> {
  if (id !== undefined) {
    const row = await tx.selectFrom('contacts').select('id').where('id', '=', id).executeTakeFirst();
    return row?.id;
  }
  if (phones.length === 0) return undefined;
  const match = await tx
    .selectFrom('contact_phones')
    .innerJoin('contacts', 'contacts.id', 'contact_phones.contact_id')
    .select('contacts.id')
    .where(
      'contact_phones.number',
      'in',
      phones.map((p) => p.number),
    )
    .orderBy('contacts.created_at')
    .orderBy('contacts.id')
    .executeTakeFirst();
  return match?.id;
}

function uniqueByNumber(phones: readonly NewContactPhone[], known: Set<string>): NewContactPhone[] {
  return phones.filter((phone) => !known.has(phone.number) && known.add(phone.number));
}

async function insertPhones(
  tx: Kysely<Database>,
  contactId: string,
  phones: readonly NewContactPhone[],
): Promise<ContactPhone[]> {
  if (phones.length === 0) return [];
  await tx
    .insertInto('contact_phones')
    .values(phones.map((p) => ({ contact_id: contactId, number: p.number, raw: p.raw, label: p.label ?? null })))
    .execute();
  return tx.selectFrom('contact_phones').selectAll().where('contact_id', '=', contactId).orderBy('id').execute();
}

async function withPhones(db: Kysely<Database>, contacts: Contact[]): Promise<ContactWithPhones[]> {
  if (contacts.length === 0) return [];
  const phones = await db
    .selectFrom('contact_phones')
    .selectAll()
    .where(
      'contact_id',
      'in',
      contacts.map((c) => c.id),
    )
    .orderBy('id')
    .execute();
  return contacts.map((contact) => ({ ...contact, phones: phones.filter((p) => p.contact_id === contact.id) }));
}
