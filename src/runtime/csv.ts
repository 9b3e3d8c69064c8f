/**
 * CSV as RFC 4180 has it: fields separated by commas, quoted with `"` when they hold commas, quotes
 * or line breaks, a quote inside a quoted field doubled. Accepts CRLF and LF line ends.
 */
import { HubError } from './errors.js';

/** The records of `text`, each with the line it starts on (1-based). A trailing line break adds no record. */
export function parseCsv(text: string): Array<{ line: number; fields: string[] }> {
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const endRecord = () => {
    fields.push(field);
    // Blank lines carry no record.
    if (fields.length > 1 || field !== '') records.push({ line: start, fields });
    fields = [];
    field = '';
    start = line;
  };
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      line++;
      endRecord();
    } else {
      field += c;
    }
  }
  if (quoted) {
    throw new HubError('validation', `The quoted field opened on line ${start} is never closed`, { field: 'csv' });
  }
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

/** One CSV line (without the line break), quoting only the fields that need it. */
export function csvLine(fields: readonly (string | null | undefined)[]): string {
  return fields
    .map((value) => {
      const text = value ?? '';
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',');
}
