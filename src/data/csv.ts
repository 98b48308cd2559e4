import { CsvError, parse } from 'csv-parse/sync';
import { UserError } from '../errors.js';

export interface CsvRecord {
  /** 1-based line where the record starts (records may span lines inside quoted fields). */
  line: number;
  values: Record<string, string>;
}

export interface CsvTable {
  file: string;
  columns: string[];
  records: CsvRecord[];
}

interface CsvParseError extends Error {
  code?: string;
  lines?: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Finds what csv-parse reports far from its cause, walking quotes and line ends the way it reads
 * them (a quote opens a field only at its start, and "" inside one is a quote):
 * - a quoted field that never closes, or closes early, is reported on the line where it opened,
 *   not where the parser gave up (the end of the file, or the next quote hundreds of lines on);
 * - line ends that change style after the header: csv-parse takes the header's as the record
 *   delimiter, so LF rows under a CRLF header silently become one long record.
 */
function checkStructure(text: string, file: string): void {
  const n = text.length;
  let line = 1;
  let i = 0;
  let fieldStart = true;
  let headerEnd: 'CRLF' | 'LF' | undefined;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (fieldStart && c === QUOTE) {
      const open = line;
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          throw new UserError('unclosed quote: the quoted field that starts on this line never ends, so the rest of the file would be read into it', { file, line: open });
        }
        for (let k = text.indexOf('\n', j); k >= 0 && k < q; k = text.indexOf('\n', k + 1)) line++;
        if (text.charCodeAt(q + 1) === QUOTE) {
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      const next = text.charCodeAt(i);
      if (i < n && next !== COMMA && next !== LF && next !== CR) {
        const after = /^[^,\r\n]{0,20}/.exec(text.slice(i, i + 20))![0];
        throw new UserError(
          line === open
            ? `a quote inside a quoted field ends it early (followed by '${after}'); write each quote inside a quoted field as ""`
            : `the quoted field that starts on this line runs on to line ${line}, where a quote is followed by '${after}' instead of a comma or the line end: a closing quote is missing, or a quote inside the field is not written as ""`,
          { file, line: open },
        );
      }
      fieldStart = false;
      continue;
    }
    if (c === LF || (c === CR && text.charCodeAt(i + 1) === LF)) {
      const style = c === CR ? 'CRLF' : 'LF';
      if (headerEnd === undefined) headerEnd = style;
      else if (style !== headerEnd) {
        throw new UserError(`mixed line endings: the header line ends in ${headerEnd}, this line in ${style}; save the file with one kind of line ending`, { file, line });
      }
      i += style === 'CRLF' ? 2 : 1;
      line++;
      fieldStart = true;
      continue;
    }
    fieldStart = c === COMMA;
    i++;
  }
}

/** Parses a CSV with a header row, keeping the line each record starts on for error messages. */
export function parseCsv(text: string, file: string): CsvTable {
  checkStructure(text, file);
  let rows: { record: string[]; raw: string }[];
  try {
    // Readers strip a byte order mark before this (text-file.ts), so the text is the data.
    rows = parse(text, { raw: true, skip_empty_lines: true, relax_column_count: true }) as unknown as { record: string[]; raw: string }[];
  } catch (err) {
    const e = err as CsvParseError;
    if (err instanceof CsvError) {
      throw new UserError(`malformed CSV: ${e.message.replace(/ at line \d+$| on line \d+$/, '')}`, { file, line: e.lines });
    }
    throw err;
  }
  if (rows.length === 0) throw new UserError('empty CSV: no header row', { file });
  let cursor = 1;
  const lined = rows.map(({ record, raw }) => {
    const leading = /^(?:\r?\n)*/.exec(raw)![0].split('\n').length - 1;
    const line = cursor + leading;
    cursor += raw.split('\n').length - 1;
    return { record, line };
  });
  const header = lined[0]!.record.map((c) => c.trim());
  const seen = new Set<string>();
  for (const c of header) {
    if (seen.has(c)) throw new UserError(`duplicate column "${c}" in the header`, { file, line: lined[0]!.line });
    // As a key of the plain objects a row becomes, "__proto__" would set the prototype instead of holding the cell.
    if (c === '__proto__') throw new UserError('a column may not be named "__proto__"; rename it in the header', { file, line: lined[0]!.line });
    seen.add(c);
  }
  const records = lined.slice(1).map(({ record, line }) => {
    if (record.length !== header.length) {
      throw new UserError(`expected ${header.length} fields, got ${record.length}`, { file, line });
    }
    const values: Record<string, string> = {};
    header.forEach((c, i) => (values[c] = record[i]!));
    return { line, values };
  });
  return { file, columns: header, records };
}
