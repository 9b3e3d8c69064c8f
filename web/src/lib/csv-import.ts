/**
 * Contact import in parts, so a large file shows real progress and one bad part does not lose the
 * others. Each part repeats the header line; the server's row numbers are shifted back to rows of
 * the whole file.
 */
import type { ImportResult } from '../api/types.js';

/** Records of a CSV text, as their raw text: quoted fields may hold commas, quotes and line breaks. */
export function splitCsvRecords(text: string): string[] {
  const records: string[] = [];
  const source = text.replace(/^\uFEFF/, '');
  let start = 0;
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && (ch === '\n' || ch === '\r')) {
      records.push(source.slice(start, i));
      if (ch === '\r' && source[i + 1] === '\n') i++;
      start = i + 1;
    }
  }
  records.push(source.slice(start));
  return records.filter((r) => r.trim() !== '');
}

export interface CsvPart {
  /** The header and this part's records. */
  body: string;
  /** How many data rows come before this part in the file. */
  offset: number;
  rows: number;
}

/** The file as parts of at most `size` data rows; none when it has no data rows. */
export function splitCsvParts(text: string, size: number): { header: string; rows: number; parts: CsvPart[] } {
  const [header = '', ...rows] = splitCsvRecords(text);
  const parts: CsvPart[] = [];
  for (let offset = 0; offset < rows.length; offset += size) {
    const slice = rows.slice(offset, offset + size);
    parts.push({ body: `${header}\n${slice.join('\n')}\n`, offset, rows: slice.length });
  }
  return { header, rows: rows.length, parts };
}

/** Adds one part's result to the running total, with its rejected rows renumbered for the whole file. */
export function addImportResult(total: ImportResult, part: ImportResult, offset: number): ImportResult {
  return {
    created: total.created + part.created,
    updated: total.updated + part.updated,
    rejected: [...total.rejected, ...part.rejected.map((r) => ({ row: r.row + offset, reason: r.reason }))],
  };
}

export const emptyImportResult: ImportResult = { created: 0, updated: 0, rejected: [] };
