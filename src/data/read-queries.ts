import { basename, extname } from 'node:path';
import { UserError } from '../errors.js';
import type { Hash } from '../artifacts/hash.js';
import { readTextFile, type Encoding } from '../text-file.js';
import { parseCsv } from './csv.js';
import { idColumn, queryColumn, requireColumn } from './read-dataset.js';
import type { MetaValue } from './dataset.js';

// A CSV of queries with no labels: the input of `router label`, `router route --file` and
// `router estimate --queries`. Columns are found the way the dataset readers find them (same
// default query-column names, same messages), so a file one command accepts reads the same everywhere.

export interface QueryRow {
  id: string;
  query: string;
  /** Line the record starts on, for messages. */
  line: number;
  /** Every other column, kept as metadata in the labelled dataset. */
  meta: Record<string, MetaValue>;
  /** The known answer, for reference grading. */
  reference?: string;
}

export interface QueryFile {
  path: string;
  hash: Hash;
  /** The column the queries were read from. */
  queryColumn: string;
  rows: QueryRow[];
}

export interface ReadQueryOptions {
  queryCol?: string;
  idCol?: string;
  /** Column with known answers (reference grading); required to exist when given. */
  referenceCol?: string;
  encoding?: Encoding;
}

export function readQueries(path: string, options: ReadQueryOptions = {}): QueryFile {
  if (extname(path).toLowerCase() !== '.csv') throw new UserError(`expected a .csv file of queries, got "${extname(path) || '(no extension)'}"`, { file: path });
  const { text, hash } = readTextFile(path, { encoding: options.encoding, bom: 'strip', tooLargeHint: 'split it into several CSVs and give each in turn', encodingFlag: true });
  const table = parseCsv(text, path);
  const { columns } = table;
  const qCol = queryColumn(table, options);
  const idCol = idColumn(table, options);
  const refCol = options.referenceCol ? requireColumn(table, options.referenceCol, 'referenceCol') : undefined;
  if (table.records.length === 0) throw new UserError('no rows', { file: path });

  const stem = basename(path, extname(path));
  const seen = new Map<string, number>();
  const rows = table.records.map((rec, i): QueryRow => {
    const query = rec.values[qCol]!;
    if (query.trim() === '') throw new UserError('empty query', { file: path, line: rec.line, column: qCol });
    const id = idCol ? rec.values[idCol]!.trim() : `${stem}:${i + 1}`;
    if (id === '') throw new UserError('empty id', { file: path, line: rec.line, column: idCol });
    const first = seen.get(id);
    if (first !== undefined) throw new UserError(`duplicate id "${id}" (first seen at ${path}:${first})`, { file: path, line: rec.line });
    seen.set(id, rec.line);
    const meta: Record<string, MetaValue> = {};
    for (const c of columns) if (c !== qCol && c !== idCol) meta[c] = rec.values[c]!;
    let reference: string | undefined;
    if (refCol) {
      reference = rec.values[refCol]!;
      if (reference.trim() === '') throw new UserError('empty reference answer', { file: path, line: rec.line, column: refCol });
    }
    return { id, query, line: rec.line, meta, ...(reference !== undefined ? { reference } : {}) };
  });
  return { path, hash, queryColumn: qCol, rows };
}
