/**
 * Contacts: validation, phone normalisation, search, lookup, CSV import and export. Numbers are stored
 * in E.164 (the default country fills in a local spelling) next to the text as typed.
 */
import type { ContactImportRow, ContactWithPhones, NewContactPhone, Store, User } from '../storage/index.js';
import { MAX_PAGE_SIZE } from '../storage/index.js';
import { csvLine, parseCsv } from './csv.js';
import { HubError } from './errors.js';
import type { HubContext } from './hub-context.js';
import { withCursor } from './list-query.js';
import { isKnownCountry, lookupKeys, normalizePhone } from './phone.js';

export const DEFAULT_COUNTRY = 'RU';
const MAX_PHONES = 20;
const PHONE_LIKE = /^[+\d\s().-]+$/;

/** What contacts need of the hub; the CLI builds it from a store alone. */
export type ContactsContext = Pick<HubContext, 'store' | 'now'>;

export interface ContactView {
  id: string;
  name: string;
  company: string | null;
  email: string | null;
  notes: string | null;
  ownerId: string | null;
  phones: Array<{ number: string; raw: string; label: string | null }>;
  createdAt: string;
  updatedAt: string;
}

export function contactView(contact: ContactWithPhones): ContactView {
  return {
    id: contact.id,
    name: contact.name,
    company: contact.company,
    email: contact.email,
    notes: contact.notes,
    ownerId: contact.owner_id,
    phones: contact.phones.map(({ number, raw, label }) => ({ number, raw, label })),
    createdAt: contact.created_at,
    updatedAt: contact.updated_at,
  };
}

/** Search by name or company, or by a number in any spelling ("8 495 123-45-67" finds +74951234567). */
export async function listContacts(
  hub: ContactsContext,
  options: { search?: string; cursor?: string; limit?: number; country?: string },
): Promise<{ items: ContactView[]; nextCursor: string | null }> {
  const search = options.search?.trim();
  const phoneLike = search !== undefined && PHONE_LIKE.test(search) && /\d/.test(search);
  const page = await withCursor(
    hub.store.contacts.list({
      ...(search ? { search: phoneLike ? lookupKeys(search, country(options.country))[0] : search } : {}),
      ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    }),
  );
  return { items: page.items.map(contactView), nextCursor: page.nextCursor };
}

export async function getContact(hub: ContactsContext, id: string): Promise<ContactView> {
  const contact = await hub.store.contacts.get(id);
  if (!contact) throw new HubError('not_found', `There is no contact ${id}: it may have been deleted`);
  return contactView(contact);
}

/** The oldest contact with this number in any spelling. */
export async function lookupContact(hub: ContactsContext, phone: string, countryCode?: string): Promise<ContactView> {
  if (!/\d/.test(phone)) throw new HubError('validation', 'Give a phone number to look up', { field: 'phone' });
  for (const key of lookupKeys(phone, country(countryCode))) {
    const [found] = await hub.store.contacts.findByNumber(key);
    if (found) return contactView(found);
  }
  throw new HubError('not_found', `No contact has the number ${phone}`);
}

/** The owner defaults to the user creating the contact. */
export async function createContact(hub: ContactsContext, user: Pick<User, 'id'>, body: unknown): Promise<ContactView> {
  const input = await readContactInput(hub.store, body, 'create');
  const at = hub.now().toISOString();
  const contact = await hub.store.contacts.create({
    name: input.name ?? '',
    company: input.company ?? null,
    email: input.email ?? null,
    notes: input.notes ?? null,
    owner_id: input.owner_id === undefined ? user.id : input.owner_id,
    phones: input.phones ?? [],
    created_at: at,
    updated_at: at,
  });
  return contactView(contact);
}

/** Changes the fields given; `phones`, when given, replaces all of them. */
export async function updateContact(hub: ContactsContext, id: string, body: unknown): Promise<ContactView> {
  const input = await readContactInput(hub.store, body, 'update');
  const contact = await hub.store.contacts.update(id, { ...input, updated_at: hub.now().toISOString() });
  if (!contact) throw new HubError('not_found', `There is no contact ${id}: it may have been deleted`);
  return contactView(contact);
}

export async function deleteContact(hub: ContactsContext, id: string): Promise<void> {
  if (!(await hub.store.contacts.delete(id))) {
    throw new HubError('not_found', `There is no contact ${id}: it may have been deleted`);
  }
}

export interface ImportSummary {
  created: number;
  updated: number;
  rejected: Array<{ row: number; reason: string }>;
}

/**
 * A CSV with a header row naming its columns: `name` (required), `company`, `email`, `notes`, `phones`
 * (several separated by `;` or `,`, the field quoted then). Rows are saved in batches so `onProgress` can
 * report; a row whose number a contact already has updates that contact. `row` is the CSV line number.
 */
export async function importContactsCsv(
  hub: ContactsContext,
  csv: string,
  options: { country?: string; batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<ImportSummary> {
  const [header, ...records] = parseCsv(csv);
  if (!header) throw new HubError('validation', 'The CSV is empty: give a header row and contacts', { field: 'csv' });
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  if (!columns.includes('name')) {
    throw new HubError('validation', 'The CSV header must name the columns, with at least "name"', { field: 'csv' });
  }
  const countryCode = country(options.country);
  const summary: ImportSummary = { created: 0, updated: 0, rejected: [] };
  const rows: ContactImportRow[] = [];
  for (const record of records) {
    const row = readImportRow(columns, record.fields, countryCode);
    if (typeof row === 'string') summary.rejected.push({ row: record.line, reason: row });
    else rows.push(row);
  }
  const batchSize = options.batchSize ?? 200;
  for (let i = 0; i < rows.length; i += batchSize) {
    const result = await hub.store.contacts.upsertMany(rows.slice(i, i + batchSize), hub.now().toISOString());
    summary.created += result.created.length;
    summary.updated += result.updated.length;
    options.onProgress?.(Math.min(i + batchSize, rows.length), rows.length);
  }
  return summary;
}

/** Every contact, alphabetically, a page at a time. */
export async function* allContacts(hub: ContactsContext): AsyncGenerator<ContactView> {
  let cursor: string | undefined;
  do {
    const page = await hub.store.contacts.list({ limit: MAX_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    yield* page.items.map(contactView);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** Every contact as CSV lines (header first), in the columns the import reads. */
export async function* exportContactsCsv(hub: ContactsContext): AsyncGenerator<string> {
  yield csvLine(['name', 'company', 'email', 'notes', 'phones']);
  for await (const c of allContacts(hub)) {
    yield csvLine([c.name, c.company, c.email, c.notes, c.phones.map((p) => p.number).join('; ')]);
  }
}

/** The row to save, or why it cannot be. */
function readImportRow(columns: string[], fields: string[], countryCode: string): ContactImportRow | string {
  if (fields.length !== columns.length) return `${fields.length} fields where the header has ${columns.length}`;
  const value = (column: string) => {
    const index = columns.indexOf(column);
    return index < 0 ? undefined : fields[index]?.trim() || null;
  };
  const name = value('name');
  if (!name) return 'the name is empty';
  const email = value('email');
  if (email && !isEmail(email)) return `"${email}" is not an email address`;
  const raws = (value('phones') ?? '')
    .split(/[;,]/)
    .map((raw) => raw.trim())
    .filter((raw) => raw !== '');
  const bad = raws.find((raw) => !isPhoneText(raw));
  if (bad !== undefined) return `"${bad}" is not a phone number`;
  // Columns the CSV lacks stay undefined, so an update keeps the contact's value.
  const optional = (column: 'company' | 'email' | 'notes') =>
    columns.includes(column) ? { [column]: value(column) } : {};
  return {
    name,
    ...optional('company'),
    ...optional('email'),
    ...optional('notes'),
    phones: raws.map((raw) => ({ number: normalizePhone(raw, countryCode), raw, label: null })),
  };
}

interface ContactInput {
  name?: string;
  company?: string | null;
  email?: string | null;
  notes?: string | null;
  owner_id?: string | null;
  phones?: NewContactPhone[];
}

async function readContactInput(store: Store, body: unknown, mode: 'create' | 'update'): Promise<ContactInput> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HubError('validation', 'Send the contact as a JSON object', { field: 'body' });
  }
  const b = body as Record<string, unknown>;
  const input: ContactInput = {};
  if (mode === 'create' || b.name !== undefined) {
    const name = typeof b.name === 'string' ? b.name.trim() : '';
    if (name === '' || name.length > 200) {
      throw new HubError('validation', 'Give the contact a name of up to 200 characters', { field: 'name' });
    }
    input.name = name;
  }
  for (const field of ['company', 'email', 'notes'] as const) {
    if (b[field] === undefined) continue;
    if (b[field] !== null && typeof b[field] !== 'string') {
      throw new HubError('validation', `${field} must be text or null`, { field });
    }
    input[field] = (b[field] as string | null)?.trim() || null;
  }
  if (input.email && !isEmail(input.email)) {
    throw new HubError('validation', `"${input.email}" is not an email address`, { field: 'email' });
  }
  if (b.ownerId !== undefined) {
    if (b.ownerId !== null && (typeof b.ownerId !== 'string' || !(await store.users.get(b.ownerId)))) {
      throw new HubError('validation', 'ownerId must be the id of a user, or null', { field: 'ownerId' });
    }
    input.owner_id = b.ownerId as string | null;
  }
  if (b.country !== undefined && (typeof b.country !== 'string' || !isKnownCountry(b.country.toUpperCase()))) {
    throw new HubError('validation', 'country must be a two-letter country code such as RU', { field: 'country' });
  }
  if (b.phones !== undefined) input.phones = readPhones(b.phones, country(b.country as string | undefined));
  return input;
}

function readPhones(value: unknown, countryCode: string): NewContactPhone[] {
  if (!Array.isArray(value) || value.length > MAX_PHONES) {
    throw new HubError('validation', `phones must be a list of up to ${MAX_PHONES} numbers`, { field: 'phones' });
  }
  const seen = new Set<string>();
  return value
    .map((item: unknown, i) => {
      const entry = typeof item === 'string' ? { number: item } : (item as Record<string, unknown> | null);
      const label = entry?.label;
      if (label !== undefined && label !== null && typeof label !== 'string') {
        throw new HubError('validation', 'A phone label must be text', { field: `phones[${i}].label` });
      }
      const raw = typeof entry?.number === 'string' ? entry.number.trim() : '';
      if (!isPhoneText(raw)) {
        throw new HubError('validation', 'Give a phone number with digits, e.g. +7 495 123-45-67', {
          field: `phones[${i}].number`,
        });
      }
      return { number: normalizePhone(raw, countryCode), raw, label: label?.trim() || null };
    })
    .filter((p) => !seen.has(p.number) && seen.add(p.number));
}

function isPhoneText(raw: string): boolean {
  return /\d/.test(raw) && PHONE_LIKE.test(raw) && raw.length <= 40;
}

function country(code: string | undefined): string {
  return code && isKnownCountry(code.toUpperCase()) ? code.toUpperCase() : DEFAULT_COUNTRY;
}

function isEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text);
}
