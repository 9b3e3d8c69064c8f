/**
 * The initial schema (see ../schema.ts for what each column means).
 * PostgreSQL gives machine strings (ids, times, numbers, statuses) the "C" collation so they compare
 * byte by byte as in SQLite, and so prefix LIKE on phone numbers can use an index. Human text
 * (names, notes) keeps the database collation, which lower() needs to fold non-ASCII letters.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialect } from '../repo-helpers.js';

export function initialMigration(dialect: SqlDialect): Migration {
  const key = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  // Append-only logs get integer sequences; SQLite's AUTOINCREMENT never reuses the id of a deleted row.
  const serial = dialect === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const schema = db.schema;

      await schema
        .createTable('users')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('email', key, (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', key, (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('locale', key)
        .addColumn('time_zone', key)
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('updated_at', key, (c) => c.notNull())
        .execute();

      await schema
        .createTable('api_tokens')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('token_hash', key, (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('last_used_at', key)
        .execute();
      await schema.createIndex('api_tokens_user_id').on('api_tokens').column('user_id').execute();

      await schema
        .createTable('sessions')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', key, (c) => c.notNull())
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('expires_at', key, (c) => c.notNull())
        .execute();
      await schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
      await schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();

      await schema
        .createTable('connections')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('connector_id', key, (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('webhook_token', key, (c) => c.notNull().unique())
        .addColumn('timeout_ms', 'integer', (c) => c.notNull())
        .addColumn('default_country', key, (c) => c.notNull())
        .addColumn('unknown_caller_policy', key, (c) => c.notNull())
        .addColumn('own_numbers', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('updated_at', key, (c) => c.notNull())
        .execute();

      await schema
        .createTable('bindings')
        .addColumn('connection_id', key, (c) => c.notNull().references('connections.id').onDelete('cascade'))
        .addColumn('extension', key, (c) => c.notNull())
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('bindings_pk', ['connection_id', 'extension'])
        .execute();
      await schema.createIndex('bindings_user_id').on('bindings').column('user_id').execute();

      await schema
        .createTable('module_storage')
        .addColumn('connection_id', key, (c) => c.notNull().references('connections.id').onDelete('cascade'))
        .addColumn('key', key, (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('module_storage_pk', ['connection_id', 'key'])
        .execute();

      await schema
        .createTable('contacts')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('company', 'text')
        .addColumn('email', 'text')
        .addColumn('notes', 'text')
        .addColumn('owner_id', key, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', key, (c) => c.notNull())
        .addColumn('updated_at', key, (c) => c.notNull())
        .execute();
      await schema.createIndex('contacts_owner_id').on('contacts').column('owner_id').execute();

      await schema
        .createTable('contact_phones')
        .addColumn('id', serial)
        .addColumn('contact_id', key, (c) => c.notNull().references('contacts.id').onDelete('cascade'))
        .addColumn('number', key, (c) => c.notNull())
        .addColumn('raw', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .execute();
      await schema.createIndex('contact_phones_number').on('contact_phones').column('number').execute();
      await schema.createIndex('contact_phones_contact_id').on('contact_phones').column('contact_id').execute();

      // Created before calls so calls.origination_id can reference it; originations.call_id stays a plain column.
      await schema
        .createTable('originations')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('connection_id', key, (c) => c.notNull().references('connections.id').onDelete('cascade'))
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('src_phone', key, (c) => c.notNull())
        .addColumn('dst_phone', key, (c) => c.notNull())
        .addColumn('status', key, (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('call_id', key)
        .addColumn('created_at', key, (c) => c.notNull())
        .execute();
      await schema
        .createIndex('originations_connection_created')
        .on('originations')
        .columns(['connection_id', 'created_at'])
        .execute();

      await schema
        .createTable('calls')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('connection_id', key, (c) => c.notNull().references('connections.id').onDelete('cascade'))
        .addColumn('external_id', key)
        .addColumn('direction', key, (c) => c.notNull())
        .addColumn('status', key, (c) => c.notNull())
        .addColumn('missed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disposition', key, (c) => c.notNull())
        .addColumn('client_number', key, (c) => c.notNull())
        .addColumn('src_phone', key, (c) => c.notNull())
        .addColumn('dst_phone', key, (c) => c.notNull())
        .addColumn('contact_id', key, (c) => c.references('contacts.id').onDelete('set null'))
        .addColumn('owner_id', key, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('started_at', key, (c) => c.notNull())
        .addColumn('answered_at', key)
        .addColumn('ended_at', key)
        .addColumn('duration', 'integer')
        .addColumn('call_data', 'text')
        .addColumn('has_recording', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('origination_id', key, (c) => c.references('originations.id').onDelete('set null'))
        .addColumn('updated_at', key, (c) => c.notNull())
        .execute();
      await schema.createIndex('calls_external_id').on('calls').columns(['connection_id', 'external_id']).execute();
      await schema.createIndex('calls_open').on('calls').columns(['connection_id', 'status']).execute();
      await schema.createIndex('calls_started').on('calls').columns(['started_at', 'id']).execute();
      await schema.createIndex('calls_owner_id').on('calls').column('owner_id').execute();
      await schema.createIndex('calls_contact_id').on('calls').column('contact_id').execute();
      await schema.createIndex('calls_client_number').on('calls').column('client_number').execute();

      await schema
        .createTable('call_legs')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('call_id', key, (c) => c.notNull().references('calls.id').onDelete('cascade'))
        .addColumn('extension', key, (c) => c.notNull())
        .addColumn('user_id', key, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('status', key, (c) => c.notNull())
        .addColumn('outcome', key)
        .addColumn('rung_at', key, (c) => c.notNull())
        .addColumn('answered_at', key)
        .addColumn('ended_at', key)
        .execute();
      await schema.createIndex('call_legs_call_id').on('call_legs').column('call_id').execute();
      await schema.createIndex('call_legs_user_id').on('call_legs').column('user_id').execute();

      await schema
        .createTable('call_timeline')
        .addColumn('id', serial)
        .addColumn('call_id', key, (c) => c.notNull().references('calls.id').onDelete('cascade'))
        .addColumn('at', key, (c) => c.notNull())
        .addColumn('kind', key, (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await schema.createIndex('call_timeline_call_id').on('call_timeline').column('call_id').execute();

      await schema
        .createTable('webhooks')
        .addColumn('id', serial)
        .addColumn('connection_id', key, (c) => c.notNull().references('connections.id').onDelete('cascade'))
        .addColumn('method', key, (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('query', 'text', (c) => c.notNull())
        .addColumn('headers', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('received_at', key, (c) => c.notNull())
        .addColumn('fingerprint', key, (c) => c.notNull())
        .addColumn('status', key, (c) => c.notNull())
        .addColumn('response_status', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('response_headers', 'text')
        .addColumn('parse_result', 'text')
        .addColumn('error', 'text')
        .addColumn('call_id', key, (c) => c.references('calls.id').onDelete('set null'))
        .addColumn('processed_at', key)
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await schema
        .createIndex('webhooks_fingerprint')
        .on('webhooks')
        .columns(['connection_id', 'fingerprint', 'received_at'])
        .execute();
      await schema.createIndex('webhooks_status').on('webhooks').column('status').execute();
      await schema.createIndex('webhooks_connection_id').on('webhooks').columns(['connection_id', 'id']).execute();
      await schema.createIndex('webhooks_received_at').on('webhooks').column('received_at').execute();

      await schema
        .createTable('live_events')
        .addColumn('id', serial)
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('type', key, (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', key, (c) => c.notNull())
        .execute();
      await schema.createIndex('live_events_user_id').on('live_events').columns(['user_id', 'id']).execute();
      await schema.createIndex('live_events_created_at').on('live_events').column('created_at').execute();
    },
  };
}
