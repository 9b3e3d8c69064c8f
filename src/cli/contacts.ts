/** `switchboard contacts import <file.csv>` and `switchboard contacts export`, on the hub's database. */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { allContacts, exportContactsCsv, importContactsCsv, type ImportSummary } from '../runtime/contacts.js';
import type { Store } from '../storage/index.js';
import { loadConfig, type ConfigFlags } from '../server/config.js';
import { openHubStore } from '../server/main.js';

interface Flags extends ConfigFlags {
  json?: boolean;
  country?: string;
}

export function contactsCommand(): Command {
  const contacts = new Command('contacts').description('Import and export contacts as CSV');

  contacts
    .command('import <file>')
    .description('Add or update contacts from a CSV with columns name, company, phones (several separated by ";")')
    .option('--db <target>', 'SQLite file or postgres:// URL (SWITCHBOARD_DB)')
    .option('--country <code>', 'country for numbers without a country code (default RU)')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, flags: Flags) => {
      const csv = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new Error(`Cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
      });
      const showProgress = !flags.json && process.stderr.isTTY;
      const summary = await withStore(flags, (store) =>
        importContactsCsv({ store, now: () => new Date() }, csv, {
          ...(flags.country ? { country: flags.country } : {}),
          ...(showProgress
            ? { onProgress: (done, total) => process.stderr.write(`\r${progressBar(done, total)}`) }
            : {}),
        }),
      );
      if (showProgress) process.stderr.write('\n');
      process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : describeImport(summary));
      if (summary.rejected.length > 0) process.exitCode = 2;
    });

  contacts
    .command('export')
    .description('Print every contact as CSV (the columns import reads)')
    .option('--db <target>', 'SQLite file or postgres:// URL (SWITCHBOARD_DB)')
    .option('--json', 'print a JSON array of contacts instead')
    .action(async (flags: Flags) => {
      await withStore(flags, async (store) => {
        if (!flags.json) {
          for await (const line of exportContactsCsv({ store, now: () => new Date() })) {
            process.stdout.write(`${line}\n`);
          }
          return;
        }
        const all = [];
        for await (const contact of allContacts({ store, now: () => new Date() })) all.push(contact);
        process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      });
    });

  return contacts;
}

async function withStore<T>(flags: ConfigFlags, work: (store: Store) => Promise<T>): Promise<T> {
  const { store } = await openHubStore(loadConfig({ ...(flags.db ? { db: flags.db } : {}) }));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `Importing [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

export function describeImport(summary: ImportSummary): string {
  const lines = [
    `Created ${summary.created}, updated ${summary.updated}, rejected ${summary.rejected.length}.`,
    ...summary.rejected.map(({ row, reason }) => `  line ${row}: ${reason}`),
  ];
  return `${lines.join('\n')}\n`;
}
