import { describe, expect, it } from 'vitest';
import { addImportResult, emptyImportResult, splitCsvParts, splitCsvRecords } from './csv-import.js';

describe('splitCsvRecords', () => {
  it('splits on line ends outside quotes, for LF, CRLF and CR', () => {
    expect(splitCsvRecords('a,b\r\nc,d\re,f\ng,h')).toEqual(['a,b', 'c,d', 'e,f', 'g,h']);
  });

  it('keeps quoted commas, quotes and line breaks inside a record', () => {
    const text = 'name,company,phones\n"Petrova, Anna","Acme ""Best""","+7 912\n+7 913"\nOleg,,101\n';
    expect(splitCsvRecords(text)).toEqual([
      'name,company,phones',
      '"Petrova, Anna","Acme ""Best""","+7 912\n+7 913"',
      'Oleg,,101',
    ]);
  });

  it('drops a byte order mark and blank lines', () => {
    expect(splitCsvRecords('\uFEFFname\n\n  \nAnna\n')).toEqual(['name', 'Anna']);
  });
});

describe('splitCsvParts', () => {
  it('repeats the header in every part and numbers the parts by rows before them', () => {
    const text = ['name,phones', ...Array.from({ length: 5 }, (_, i) => `P${i},+7900000000${i}`)].join('\n');
    const { rows, parts } = splitCsvParts(text, 2);
    expect(rows).toBe(5);
    expect(parts.map((p) => [p.offset, p.rows])).toEqual([
      [0, 2],
      [2, 2],
      [4, 1],
    ]);
    expect(parts[1]!.body).toBe('name,phones\nP2,+79000000002\nP3,+79000000003\n');
  });

  it('has no parts for a file with only a header, or an empty one', () => {
    expect(splitCsvParts('name,phones\n', 10).parts).toEqual([]);
    expect(splitCsvParts('', 10)).toEqual({ header: '', rows: 0, parts: [] });
  });
});

describe('addImportResult', () => {
  it('adds the counts and shifts rejected rows to their place in the whole file', () => {
    const first = addImportResult(
      emptyImportResult,
      { created: 2, updated: 0, rejected: [{ row: 1, reason: 'no phone' }] },
      0,
    );
    const total = addImportResult(first, { created: 1, updated: 3, rejected: [{ row: 2, reason: 'bad number' }] }, 200);
    expect(total).toEqual({
      created: 3,
      updated: 3,
      rejected: [
        { row: 1, reason: 'no phone' },
        { row: 202, reason: 'bad number' },
      ],
    });
  });
});
