import type { Kysely } from 'kysely';
import { failOnDuplicate } from './repo-helpers.js';
import type { Database, ScriptModuleRow } from './schema.js';

/** Installed ELMA365 script modules, by connector id. */
export class ScriptModulesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Throws StorageError `conflict` when the id is taken. */
  create(row: ScriptModuleRow): Promise<ScriptModuleRow> {
    return failOnDuplicate(
      this.db.insertInto('script_modules').values(row).returningAll().executeTakeFirstOrThrow(),
      `A script module with the id ${row.id} is already installed: remove it first or pick another name`,
    );
  }

  get(id: string): Promise<ScriptModuleRow | undefined> {
    return this.db.selectFrom('script_modules').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Oldest first. */
  list(): Promise<ScriptModuleRow[]> {
    return this.db.selectFrom('script_modules').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('script_modules').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
