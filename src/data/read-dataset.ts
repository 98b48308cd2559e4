import { existsSync, readdirSync, statSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { basename, extname, join } from 'node:path';
import type { ZodError } from 'zod';
import { msg, option, UserError } from '../errors.js';
import { sha256, type Hash } from '../artifacts/hash.js';
import type { LineageRef } from '../artifacts/envelope.js';
import { DEFAULT_ROOT, resolveArtifact, validated } from '../artifacts/store.js';
import { checkTextSize, readTextFile, size, type Encoding, type TextOptions } from '../text-file.js';
import { parseCsv, type CsvRecord, type CsvTable } from './csv.js';
import { isPerModelColumn, perModelColumn, setPerModelCell, type PerModelColumn } from './per-model-columns.js';
import { rowSchema, type DatasetBody } from '../artifacts/bodies/dataset.js';
import type { Dataset, DatasetFormat, DatasetRow, MetaValue, ModelInfo } from './dataset.js';

/** How to read columns from CSV inputs; every field has a sensible default. */
export interface ReadOptions {
  format?: DatasetFormat | 'auto';
  queryCol?: string;
  idCol?: string;
  /**
   * Model columns of a correctness or grades CSV (default: every column but query, id and meta;
   * in a CSV with `<model>|<suffix>` columns, those with quality values).
   */
  models?: string[];
  /** Columns kept as metadata instead of being read as models. */
  meta?: string[];
  /** Range of raw grades, normalised to [0,1] (e.g. [1, 10]). */
  gradeScale?: [number, number];
  modelACol?: string;
  modelBCol?: string;
  winnerCol?: string;
  /** Where NAME references are looked up. */
  root?: string;
  /** How the bytes of CSV files are decoded (default utf8, strictly); JSONL is always UTF-8. */
  encoding?: Encoding;
  /** Size limits, injectable so tests need not write gigabytes. */
  limits?: { fileBytes?: number; heapBytes?: number };
}

/**
 * Peak heap while reading, as a multiple of the bytes read (measured: 60 MB of MMLU CSV needs
 * 250-400 MB). V8 aborts the process when the heap runs out, so the check has to come first.
 */
const HEAP_PER_BYTE = 6;

const QUERY_COLUMNS = ['query', 'prompt', 'question', 'input', 'text'];
// sample_id is RouterBench's.
const ID_COLUMNS = ['id', 'sample_id'];
const TRUE = new Set(['true', '1', 'yes', 't', 'y']);
const FALSE = new Set(['false', '0', 'no', 'f', 'n']);
const DATA_EXTENSIONS = new Set(['.csv', '.jsonl']);

interface FileRows {
  rows: DatasetRow[];
  /** Line of each row, for duplicate-id messages across a folder. */
  lines: number[];
  models: ModelInfo[];
  defaultPair?: { weak: string; strong: string };
  description?: string;
  format: DatasetFormat;
  hash: Hash;
  isArtifact?: boolean;
}

/**
 * Reads a labelled dataset from a file, a folder of files, or an artifact name, in any of the
 * supported formats, into the one in-memory shape every command uses.
 */
export function readDataset(ref: string, options: ReadOptions = {}): Dataset {
  try {
    return readAny(ref, options);
  } catch (err) {
    // The size checks estimate; a string or array that still outgrows V8 is the same user problem.
    if (err instanceof RangeError || (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG')) {
      throw new UserError(`too large to read in memory (${err.message}): split it into several files in one folder and read fewer of them at once`, { file: ref });
    }
    throw err;
  }
}

function readAny(ref: string, options: ReadOptions): Dataset {
  if (existsSync(ref) && statSync(ref).isDirectory()) return readFolder(ref, options);
  const path = existsSync(ref) ? ref : resolveArtifact(ref, 'dataset', options.root ?? DEFAULT_ROOT);
  checkSizes([path], path, options, 'file');
  const one = readFile(path, options, undefined);
  checkUniqueIds([{ file: path, ...one }]);
  return {
    source: { path, hash: one.hash, format: one.format, isArtifact: one.isArtifact ?? false },
    models: one.models,
    defaultPair: one.defaultPair,
    description: one.description,
    rows: one.rows,
  };
}

/** Before reading anything: each file within the one-string limit, all of them within the heap. */
function checkSizes(paths: string[], file: string, options: ReadOptions, what: 'file' | 'folder'): void {
  let bytes = 0;
  for (const p of paths) {
    // A broken link is left to the reader, which names it.
    const n = statSync(p, { throwIfNoEntry: false })?.size ?? 0;
    checkTextSize(p, n, textOptions(options, true));
    bytes += n;
  }
  const heap = options.limits?.heapBytes ?? getHeapStatistics().heap_size_limit;
  if (bytes * HEAP_PER_BYTE <= heap) return;
  const need = Math.ceil((bytes * HEAP_PER_BYTE) / 2 ** 20 / 1024) * 1024;
  const fewer = what === 'folder' ? 'read fewer of its files (move some out of the folder)' : 'read a part of it';
  throw new UserError(
    `${what === 'folder' ? 'the folder\'s data files are' : 'is'} ${size(bytes)}, which needs about ${size(bytes * HEAP_PER_BYTE)} of memory to read, more than the ${size(heap)} this process may use: run with NODE_OPTIONS=--max-old-space-size=${need}, or ${fewer}`,
    { file },
  );
}

function readFolder(dir: string, options: ReadOptions): Dataset {
  const entries = readdirSync(dir).sort();
  const isDir = (f: string) => statSync(join(dir, f), { throwIfNoEntry: false })?.isDirectory() ?? false;
  const files = entries.filter((f) => DATA_EXTENSIONS.has(extname(f).toLowerCase()) && !isDir(f));
  if (files.length === 0) throw new UserError('folder holds no .csv or .jsonl files', { file: dir });
  const skipped = entries.filter((f) => !files.includes(f)).map((f) => (isDir(f) ? `${f}/` : f));
  checkSizes(files.map((f) => join(dir, f)), dir, options, 'folder');
  const parts = files.map((f) => {
    const file = join(dir, f);
    return { file, name: f, ...readFile(file, options, basename(f, extname(f))) };
  });
  checkUniqueIds(parts);
  checkSameModels(parts);
  const formats = new Set(parts.map((p) => p.format));
  return {
    source: {
      path: dir,
      hash: sha256(parts.map((p) => `${p.name}\0${p.hash}\n`).join('')),
      format: formats.size === 1 ? parts[0]!.format : 'jsonl',
      isArtifact: false,
    },
    models: mergeModels(parts.map((p) => p.models)),
    defaultPair: parts.every((p) => p.defaultPair?.weak === parts[0]!.defaultPair?.weak && p.defaultPair?.strong === parts[0]!.defaultPair?.strong)
      ? parts[0]!.defaultPair
      : undefined,
    rows: parts.flatMap((p) => p.rows),
    ...(skipped.length ? { notes: [skippedNote(skipped)] } : {}),
  };
}

/**
 * CSVs with one column per model are one table split into files (one per task or subject): a model
 * missing from one file would quietly drop that file's rows for every pair with that model.
 */
function checkSameModels(parts: { file: string; name: string; format: DatasetFormat; models: ModelInfo[] }[]): void {
  const tables = parts.filter((p) => p.format === 'correctness' || p.format === 'grades');
  const first = tables[0];
  if (!first) return;
  const ids = first.models.map((m) => m.id);
  for (const p of tables.slice(1)) {
    const have = p.models.map((m) => m.id);
    const missing = ids.filter((m) => !have.includes(m));
    const extra = have.filter((m) => !ids.includes(m));
    if (missing.length === 0 && extra.length === 0) continue;
    const diff = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `extra ${extra.join(', ')}` : ''].filter(Boolean).join('; ');
    throw new UserError(`model columns differ from ${first.name}'s: ${diff} (every CSV of a folder needs the same models)`, { file: p.file, line: 1 });
  }
}

function skippedNote(names: string[]): string {
  const shown = names.length > 5 ? [...names.slice(0, 5), `and ${names.length - 5} more`] : names;
  return `${names.length} ${names.length === 1 ? 'file' : 'files'} left out of the folder: not .csv or .jsonl (${shown.join(', ')})`;
}

function readFile(file: string, options: ReadOptions, sourceFile: string | undefined): FileRows {
  const ext = extname(file).toLowerCase();
  const jsonl = ext === '.jsonl' || options.format === 'jsonl';
  if (!jsonl && ext !== '.csv') throw new UserError(`unsupported file type "${ext || '(none)'}": expected .csv or .jsonl`, { file });
  const { text, hash } = readTextFile(file, textOptions(options, jsonl));
  if (jsonl) {
    const read = readJsonl(text, file, sourceFile);
    // An artifact is named by its content hash, so lineage links survive a copy or a rename.
    return { ...read, hash: read.contentHash ?? hash, isArtifact: read.contentHash !== undefined };
  }
  return { ...readCsv(parseCsv(text, file), options, sourceFile), hash };
}

/** JSON is UTF-8 by definition (RFC 8259), and artifacts are written so: --encoding is for CSV exports. */
function textOptions(options: ReadOptions, jsonl: boolean): TextOptions {
  return {
    encoding: jsonl ? 'utf8' : options.encoding,
    bom: jsonl ? 'refuse' : 'strip',
    maxBytes: options.limits?.fileBytes,
    tooLargeHint: 'split it into several files in one folder, and give the folder',
    encodingFlag: !jsonl,
  };
}

function mergeModels(lists: ModelInfo[][]): ModelInfo[] {
  const byId = new Map<string, ModelInfo>();
  for (const list of lists) for (const m of list) if (!byId.has(m.id) || (!byId.get(m.id)!.price && m.price)) byId.set(m.id, m);
  return [...byId.values()];
}

function checkUniqueIds(parts: { file: string; rows: DatasetRow[]; lines: number[] }[]): void {
  const seen = new Map<string, string>();
  for (const { file, rows, lines } of parts) {
    rows.forEach((row, i) => {
      const first = seen.get(row.id);
      if (first !== undefined) throw new UserError(`duplicate id "${row.id}" (first seen at ${first})`, { file, line: lines[i] });
      seen.set(row.id, `${file}:${lines[i]}`);
    });
  }
}

function modelsOf(rows: DatasetRow[]): ModelInfo[] {
  const ids = new Set<string>();
  for (const r of rows) for (const m of Object.keys(r.models)) ids.add(m);
  return [...ids].map((id) => ({ id }));
}

// ---------------------------------------------------------------- JSONL

function zodWhere(err: ZodError): { field: string; message: string } {
  const issue = err.issues[0]!;
  return { field: issue.path.join('.') || '(row)', message: issue.message };
}

function readJsonl(text: string, file: string, sourceFile: string | undefined): Omit<FileRows, 'hash'> & { contentHash?: Hash } {
  // A JSON string cannot hold a raw CR, so one before a line feed is a CRLF line end (git's
  // autocrlf, a Windows editor): dropping it reads the rows, and an artifact's hash, as written.
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.at(-1) === '') lines.pop();
  let first = 0;
  let contentHash: Hash | undefined;
  let header: { models: ModelInfo[]; defaultPair?: { weak: string; strong: string }; description?: string } | undefined;
  const firstObj = lines.length ? tryParse(lines[0]!) : undefined;
  if (firstObj && typeof firstObj === 'object' && 'kind' in firstObj) {
    // The hash covers the rows exactly as written, so it is checked on the raw text.
    const trailing = lines.slice(1).join('\n');
    const env = validated(firstObj, 'dataset', file, trailing);
    const body = env.body as DatasetBody;
    header = body;
    contentHash = env.contentHash;
    first = 1;
    if (body.rowCount !== lines.length - 1) {
      throw new UserError(`header says ${body.rowCount} rows, file has ${lines.length - 1}: the file is truncated or was edited`, { file, line: 1 });
    }
  }
  const rows: DatasetRow[] = [];
  const lineNumbers: number[] = [];
  for (let i = first; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (err) {
      throw new UserError(`malformed JSON (truncated line?): ${(err as Error).message}`, { file, line });
    }
    const parsed = rowSchema.safeParse(obj);
    if (!parsed.success) {
      const { field, message } = zodWhere(parsed.error);
      throw new UserError(message, { file, line, field });
    }
    const r = parsed.data;
    if (r.query.trim() === '') throw new UserError('empty query', { file, line, field: 'query' });
    if (Object.keys(r.models).length === 0) throw new UserError('no model outcomes', { file, line, field: 'models' });
    const meta = sourceFile !== undefined ? { ...r.meta, source_file: sourceFile } : r.meta;
    rows.push({
      id: r.id !== undefined ? String(r.id) : `${sourceFile ?? basename(file, extname(file))}:${line}`,
      query: r.query,
      models: r.models,
      ...(r.verdicts ? { verdicts: r.verdicts } : {}),
      ...(meta ? { meta } : {}),
    });
    lineNumbers.push(line);
  }
  if (rows.length === 0) throw new UserError('no rows', { file });
  return {
    rows,
    lines: lineNumbers,
    models: header?.models.length ? header.models : modelsOf(rows),
    defaultPair: header?.defaultPair,
    description: header?.description,
    format: 'jsonl',
    contentHash,
  };
}

function tryParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- CSV

export function requireColumn(table: CsvTable, name: string, optionName: string): string {
  if (!table.columns.includes(name)) {
    throw new UserError(msg`no column "${name}" (${option(optionName)}); columns are: ${table.columns.join(', ')}`, { file: table.file, line: 1 });
  }
  return name;
}

/** The query column: the one named with --query-col, else the first of the usual names. */
export function queryColumn(table: CsvTable, options: Pick<ReadOptions, 'queryCol'>): string {
  if (options.queryCol) return requireColumn(table, options.queryCol, 'queryCol');
  const found = QUERY_COLUMNS.find((c) => table.columns.includes(c));
  if (!found) {
    throw new UserError(
      msg`no query column (looked for ${QUERY_COLUMNS.join(', ')}); name it with ${option('queryCol')}. Columns are: ${table.columns.join(', ')}`,
      { file: table.file, line: 1 },
    );
  }
  return found;
}

/** The id column: the one named with --id-col, else the first of the usual names when present. */
export function idColumn(table: CsvTable, options: Pick<ReadOptions, 'idCol'>): string | undefined {
  if (options.idCol) return requireColumn(table, options.idCol, 'idCol');
  return ID_COLUMNS.find((c) => table.columns.includes(c));
}

function readQuery(rec: CsvRecord, column: string, file: string): string {
  const q = rec.values[column]!;
  if (q.trim() === '') throw new UserError('empty query', { file, line: rec.line, column });
  return q;
}

function isBoolean(v: string): boolean {
  const s = v.trim().toLowerCase();
  return TRUE.has(s) || FALSE.has(s);
}

function isNumber(v: string): boolean {
  return v.trim() !== '' && Number.isFinite(Number(v));
}

function detectFormat(table: CsvTable, options: ReadOptions, modelCols: string[]): DatasetFormat {
  if (options.format && options.format !== 'auto') return options.format;
  if (table.columns.includes(options.winnerCol ?? 'winner')) return 'battles';
  if (options.gradeScale) return 'grades';
  if (table.records.length === 0) throw new UserError('no rows', { file: table.file });
  if (modelCols.length === 0) {
    throw new UserError('no model columns: a correctness or grades CSV has one column per model', { file: table.file, line: 1 });
  }
  // Decide by the majority of values, so one bad cell is reported as that cell, not as an unknown format.
  let booleans = 0;
  let numbers = 0;
  for (const rec of table.records) {
    for (const c of modelCols) {
      const v = rec.values[c]!;
      if (isBoolean(v)) booleans++;
      else if (isNumber(v)) numbers++;
    }
  }
  if (booleans === 0 && numbers === 0) {
    const first = table.records[0]!;
    throw new UserError(
      msg`expected True/False (correctness) or a number (grades) in a model column, got "${first.values[modelCols[0]!]}"; keep non-model columns with ${option('meta')}`,
      { file: table.file, line: first.line, column: modelCols[0] },
    );
  }
  return booleans >= numbers ? 'correctness' : 'grades';
}

/**
 * Which columns of a correctness or grades CSV are models, which are `<model>|<suffix>` columns of a
 * model, and which are kept as metadata. Without per-model columns every other column is a model,
 * so a typo in a model column is reported rather than silently dropped. With them (RouterBench's
 * wide layout) the models are the columns that have quality values: a column of text only, such as
 * RouterBench's eval_name, is metadata.
 */
function csvColumns(table: CsvTable, options: ReadOptions, qCol: string, idCol: string | undefined): { modelCols: string[]; metaCols: string[]; perModel: PerModelColumn[] } {
  const file = table.file;
  const meta = options.meta ?? [];
  for (const m of meta) requireColumn(table, m, 'meta');
  const named = options.models?.length ? options.models.map((m) => requireColumn(table, m, 'models')) : undefined;
  const taken = new Set<string | undefined>([qCol, idCol, ...meta, ...(named ?? [])]);
  const free = table.columns.filter((c) => !taken.has(c));
  const perModelAll = free.filter(isPerModelColumn).map((c) => perModelColumn(c, file));
  const base = free.filter((c) => !isPerModelColumn(c));
  const hasPerModel = new Set(perModelAll.map((p) => p.model));
  const modelCols = named ?? (perModelAll.length ? base.filter((c) => hasPerModel.has(c) || !textOnly(table, c)) : base);
  for (const p of perModelAll) {
    // With --models, the columns of a model left unnamed are simply not read.
    if (!modelCols.includes(p.model) && !base.includes(p.model)) {
      throw new UserError(`model "${p.model}" has no quality column (the model columns are: ${modelCols.join(', ') || 'none'})`, { file, line: 1, column: p.column });
    }
  }
  const perModel = perModelAll.filter((p) => modelCols.includes(p.model));
  const perModelNames = new Set(perModelAll.map((p) => p.column));
  const metaCols = table.columns.filter((c) => c !== qCol && c !== idCol && !modelCols.includes(c) && !perModelNames.has(c));
  return { modelCols, metaCols, perModel };
}

function textOnly(table: CsvTable, column: string): boolean {
  return table.records.every((rec) => {
    const v = rec.values[column]!;
    return !isBoolean(v) && !isNumber(v);
  });
}

function readCsv(table: CsvTable, options: ReadOptions, sourceFile: string | undefined): Omit<FileRows, 'hash'> {
  const file = table.file;
  if (table.records.length === 0) throw new UserError('no rows', { file });
  const format = options.format && options.format !== 'auto' ? options.format : undefined;
  if (format === 'battles' || (!format && table.columns.includes(options.winnerCol ?? 'winner'))) {
    return readBattles(table, options, sourceFile);
  }
  const qCol = queryColumn(table, options);
  const idCol = idColumn(table, options);
  const { modelCols, metaCols, perModel } = csvColumns(table, options, qCol, idCol);
  const kind = detectFormat(table, options, modelCols);
  const layout = { qCol, idCol, modelCols, metaCols, perModel, kind };
  try {
    return readCsvRows(table, options, sourceFile, layout);
  } catch (err) {
    throw options.models?.length ? err : asExtraColumn(err, table, options, layout);
  }
}

/** How many of a column's cells do not read as a quality of `kind` (grades in [0,1] unless a scale is given). */
function unreadableShare(table: CsvTable, column: string, kind: DatasetFormat, options: ReadOptions): number {
  const [lo, hi] = options.gradeScale ?? [0, 1];
  const bad = table.records.filter((rec) => {
    const v = rec.values[column]!;
    if (kind === 'correctness') return !TRUE.has(v.trim().toLowerCase()) && !FALSE.has(v.trim().toLowerCase());
    const x = Number(v);
    return v.trim() === '' || !Number.isFinite(x) || x < lo || x > hi;
  }).length;
  return bad / table.records.length;
}

/**
 * A column taken for a model only because no one said otherwise, that does not read as one where
 * the other models do (an extra column such as GSM8K's `reference` or MT-Bench's `question_id`):
 * the error says it was taken for a model and how to say otherwise. A model with a few bad cells
 * keeps the plain error.
 */
function asExtraColumn(err: unknown, table: CsvTable, options: ReadOptions, layout: CsvLayout): unknown {
  const column = err instanceof UserError ? err.where.column : undefined;
  if (!(err instanceof UserError) || column === undefined || !layout.modelCols.includes(column)) return err;
  // A column with per-model columns (`a|total_cost`) is a model for sure.
  if (layout.perModel.some((p) => p.model === column)) return err;
  const share = (c: string) => unreadableShare(table, c, layout.kind, options);
  const oddOneOut = share(column) > 0.5 && layout.modelCols.some((c) => c !== column && share(c) === 0);
  if (!oddOneOut) return err;
  return new UserError(
    msg`read as a model's quality, since every column but the query and id is one unless named otherwise; if it is not a model, keep it as metadata with ${option('meta')} ${column}, or name the models with ${option('models')} (or the id column with ${option('idCol')}). As a model: ${err.text}`,
    err.where,
  );
}

interface CsvLayout {
  qCol: string;
  idCol: string | undefined;
  modelCols: string[];
  metaCols: string[];
  perModel: PerModelColumn[];
  kind: DatasetFormat;
}

function readCsvRows(table: CsvTable, options: ReadOptions, sourceFile: string | undefined, { qCol, idCol, modelCols, metaCols, perModel, kind }: CsvLayout): Omit<FileRows, 'hash'> {
  const file = table.file;
  const scale = kind === 'grades' ? gradeScale(table, modelCols, options) : undefined;
  const stem = sourceFile ?? basename(file, extname(file));

  const rows: DatasetRow[] = table.records.map((rec, i) => {
    const models: DatasetRow['models'] = {};
    for (const c of modelCols) {
      const v = rec.values[c]!;
      models[c] = { quality: kind === 'correctness' ? parseBoolean(v, file, rec.line, c) : parseGrade(v, scale!, file, rec.line, c) };
    }
    for (const p of perModel) setPerModelCell(models[p.model]!, p, rec.values[p.column]!, file, rec.line);
    const id = idCol ? rec.values[idCol]!.trim() : `${stem}:${i + 1}`;
    if (id === '') throw new UserError('empty id', { file, line: rec.line, column: idCol });
    return { id, query: readQuery(rec, qCol, file), models, ...metaOf(rec, metaCols, sourceFile) };
  });
  return { rows, lines: table.records.map((r) => r.line), models: modelCols.map((id) => ({ id })), format: kind };
}

function metaOf(rec: CsvRecord, cols: string[], sourceFile: string | undefined): { meta?: Record<string, MetaValue> } {
  if (cols.length === 0 && sourceFile === undefined) return {};
  const meta: Record<string, MetaValue> = {};
  for (const c of cols) meta[c] = rec.values[c]!;
  if (sourceFile !== undefined) meta.source_file = sourceFile;
  return { meta };
}

function parseBoolean(v: string, file: string, line: number, column: string): number {
  const s = v.trim().toLowerCase();
  if (TRUE.has(s)) return 1;
  if (FALSE.has(s)) return 0;
  throw new UserError(`expected True or False, got "${v}"`, { file, line, column });
}

function gradeScale(table: CsvTable, cols: string[], options: ReadOptions): [number, number] {
  if (options.gradeScale) return options.gradeScale;
  for (const rec of table.records) {
    for (const c of cols) {
      const x = Number(rec.values[c]);
      if (Number.isFinite(x) && (x < 0 || x > 1)) {
        throw new UserError(msg`grade ${rec.values[c]} is outside [0,1]; give the raw range with ${option('gradeScale')} MIN:MAX (for example 1:10)`, {
          file: table.file,
          line: rec.line,
          column: c,
        });
      }
    }
  }
  return [0, 1];
}

function parseGrade(v: string, [lo, hi]: [number, number], file: string, line: number, column: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UserError(`expected a numeric grade, got "${v}"`, { file, line, column });
  if (x < lo || x > hi) throw new UserError(`grade ${v} is outside the scale ${lo}:${hi}`, { file, line, column });
  return (x - lo) / (hi - lo);
}

const A_WINS = new Set(['model_a', 'a']);
const B_WINS = new Set(['model_b', 'b']);
const TIES = new Set(['tie', 'tie (bothbad)', 'both_bad', 'both bad', 'draw']);

function readBattles(table: CsvTable, options: ReadOptions, sourceFile: string | undefined): Omit<FileRows, 'hash'> {
  const file = table.file;
  const qCol = queryColumn(table, options);
  const aCol = requireColumn(table, options.modelACol ?? 'model_a', 'modelACol');
  const bCol = requireColumn(table, options.modelBCol ?? 'model_b', 'modelBCol');
  const wCol = requireColumn(table, options.winnerCol ?? 'winner', 'winnerCol');
  const idCol = idColumn(table, options);
  const metaCols = table.columns.filter((c) => ![qCol, aCol, bCol, wCol, idCol].includes(c));
  const stem = sourceFile ?? basename(file, extname(file));
  const rows = table.records.map((rec, i): DatasetRow => {
    const a = rec.values[aCol]!.trim();
    const b = rec.values[bCol]!.trim();
    if (!a) throw new UserError('empty model name', { file, line: rec.line, column: aCol });
    if (!b) throw new UserError('empty model name', { file, line: rec.line, column: bCol });
    if (a === b) throw new UserError(`a model battling itself ("${a}")`, { file, line: rec.line, column: bCol });
    const w = rec.values[wCol]!.trim();
    const wl = w.toLowerCase();
    // Verdict as quality: win 1, tie 0.5, loss 0 (GUIDE definitions).
    const qa = A_WINS.has(wl) || w === a ? 1 : B_WINS.has(wl) || w === b ? 0 : TIES.has(wl) ? 0.5 : NaN;
    if (Number.isNaN(qa)) {
      throw new UserError(`expected model_a, model_b or tie, got "${w}"`, { file, line: rec.line, column: wCol });
    }
    return {
      id: idCol ? rec.values[idCol]!.trim() : `${stem}:${i + 1}`,
      query: readQuery(rec, qCol, file),
      models: { [a]: { quality: qa }, [b]: { quality: 1 - qa } },
      ...metaOf(rec, metaCols, sourceFile),
    };
  });
  return { rows, lines: table.records.map((r) => r.line), models: modelsOf(rows), format: 'battles' };
}

/** How an artifact made from this dataset names it in its lineage. */
export function datasetLineage(dataset: Dataset, role: string): LineageRef {
  return { kind: dataset.source.isArtifact ? 'dataset' : 'file', hash: dataset.source.hash, path: dataset.source.path, role };
}
