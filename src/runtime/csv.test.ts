import { describe, expect, it } from 'vitest';
import { csvLine, parseCsv } from './csv.js';

describe('parseCsv', () => {
  it.each([
    [
      'plain fields',
      'a,b,c\n1,2,3\n',
      [
        ['a', 'b', 'c'],
        ['1', '2', '3'],
      ],
    ],
    ['no final line break', 'a,b', [['a', 'b']]],
    [
      'CRLF line ends',
      'a,b\r\nc,d\r\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    ['commas and quotes inside quotes', '"Smith, Ivan","say ""hi"""', [['Smith, Ivan', 'say "hi"']]],
    [
      'line breaks inside quotes',
      '"two\nlines",x\ny,z',
      [
        ['two\nlines', 'x'],
        ['y', 'z'],
      ],
    ],
    ['empty fields', ',,\n', [['', '', '']]],
    ['blank lines skipped', 'a\n\nb\n', [['a'], ['b']]],
    ['a byte-order mark', '\uFEFFname\n', [['name']]],
  ])('reads %s', (_name, text, expected) => {
    expect(parseCsv(text).map((record) => record.fields)).toEqual(expected);
  });

  it('numbers records by the line they start on', () => {
    expect(parseCsv('h\n"a\nb"\n\nc\n').map((record) => record.line)).toEqual([1, 2, 5]);
  });

  it('refuses an unclosed quote, naming its line', () => {
    expect(() => parseCsv('a\n"open,b\n')).toThrow(/line 2/);
  });
});

describe('csvLine', () => {
  it('quotes only what needs it, and reads back the same', () => {
    const fields = ['Ivan', 'Smith, Co', 'say "hi"', 'two\nlines', ''];
    const line = csvLine(fields);
    expect(line).toBe('Ivan,"Smith, Co","say ""hi""","two\nlines",');
    expect(parseCsv(line)[0]?.fields).toEqual(fields);
  });
});
