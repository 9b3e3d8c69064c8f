import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { describeImport, progressBar } from './contacts.js';
import { buildProgram } from './main.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `switchboard …args` in-process and returns what it printed. */
async function run(...args: string[]): Promise<string> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    await buildProgram().parseAsync(['node', 'switchboard', ...args, '--db', join(dir, 'hub.db')]);
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

it('imports a CSV, reports rejects, and exports what import reads back', async () => {
  const file = join(dir, 'contacts.csv');
  writeFileSync(file, 'name,company,phones\n"Smith, John","Acme ""A""","+1 212 555 0100; 8 495 123 45 67"\n,X,1\n');

  expect(await run('contacts', 'import', file)).toBe(
    'Created 1, updated 0, rejected 1.\n  line 3: the name is empty\n',
  );
  expect(process.exitCode).toBe(2);
  expect(JSON.parse(await run('contacts', 'import', file, '--json'))).toEqual({
    created: 0,
    updated: 1,
    rejected: [{ row: 3, reason: 'the name is empty' }],
  });

  const csv = await run('contacts', 'export');
  expect(csv).toBe('name,company,email,notes,phones\n"Smith, John","Acme ""A""",,,+12125550100; +74951234567\n');
  const [contact] = JSON.parse(await run('contacts', 'export', '--json'));
  expect(contact).toMatchObject({
    name: 'Smith, John',
    phones: [{ raw: '+1 212 555 0100' }, { raw: '8 495 123 45 67' }],
  });

  // The export imports back onto the same contact.
  writeFileSync(file, csv);
  expect(JSON.parse(await run('contacts', 'import', file, '--json'))).toMatchObject({ created: 0, updated: 1 });
});

it('says which file it cannot read', async () => {
  await expect(run('contacts', 'import', join(dir, 'missing.csv'))).rejects.toThrow(
    /Cannot read .*missing\.csv: no such file/,
  );
});

it('draws progress and summaries', () => {
  expect(progressBar(1, 4, 8)).toBe('Importing [##......] 1/4');
  expect(progressBar(0, 0, 4)).toBe('Importing [####] 0/0');
  expect(describeImport({ created: 2, updated: 0, rejected: [] })).toBe('Created 2, updated 0, rejected 0.\n');
});
