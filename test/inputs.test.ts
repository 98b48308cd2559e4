import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, openSync, closeSync, ftruncateSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDataset } from '../src/data/read-dataset.ts';
import { readQueries } from '../src/data/read-queries.ts';
import { leftOutNote } from '../src/data/pair.ts';
import type { DatasetRow } from '../src/data/dataset.ts';
import { readJsonArtifact, writeDatasetArtifact, writeJsonArtifact } from '../src/artifacts/store.ts';
import { contentHash, ARTIFACT_KINDS } from '../src/artifacts/envelope.ts';
import { checkBody } from '../src/artifacts/kinds.ts';
import { decodeText, firstInvalidUtf8 } from '../src/text-file.ts';
import { volume } from '../src/cli/parse.ts';
import { UserError } from '../src/errors.ts';
import { DEMO, filesUnder, tempDir, writeFile } from './helpers.ts';
import { cli } from './cli.ts';

// Section 6 of issue 11: inputs are read as they are, or refused with one line naming the cause.

function rejects(fn: () => unknown, expected: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.equal(err.describe(), expected);
    return true;
  });
}

const bytesHash = (path: string) => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
const GOOD = 'prompt,weak,strong\nq1,True,False\nq2,False,True\nq3,True,True\n';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function writeBytes(dir: string, name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

// ---------------------------------------------------------------- hashes are of bytes

test('lineage hashes are the sha256 of the bytes: two Latin-1 files one byte apart hash apart', async () => {
  const dir = tempDir();
  // é (0xE9) and è (0xE8): both were one U+FFFD after a lenient UTF-8 decoding, so both hashed alike.
  const a = writeBytes(dir, 'a.csv', Buffer.from('prompt,weak,strong\ncaf\xe9,True,False\nq2,False,True\n', 'latin1'));
  const b = writeBytes(dir, 'b.csv', Buffer.from('prompt,weak,strong\ncaf\xe8,True,False\nq2,False,True\n', 'latin1'));
  const da = readDataset(a, { encoding: 'latin1' });
  const db = readDataset(b, { encoding: 'latin1' });
  assert.equal(da.source.hash, bytesHash(a));
  assert.equal(db.source.hash, bytesHash(b));
  assert.notEqual(da.source.hash, db.source.hash);
  assert.equal(da.rows[0]!.query, 'café');
  assert.equal(db.rows[0]!.query, 'cafè');
  // A CSV with a byte order mark: accepted, the mark is not part of the first column's name, and the hash is of the file as stored.
  const bom = writeBytes(dir, 'bom.csv', Buffer.concat([BOM, Buffer.from(GOOD)]));
  const d = readDataset(bom);
  assert.deepEqual(d.models.map((m) => m.id), ['weak', 'strong']);
  assert.equal(d.source.hash, bytesHash(bom));
  const q = writeBytes(dir, 'q.csv', Buffer.concat([BOM, Buffer.from('query\nhello\n')]));
  assert.equal(readQueries(q).hash, bytesHash(q));
  assert.equal(readQueries(q).queryColumn, 'query');
});

test('train records the byte hash of a Latin-1 file it read with --encoding latin1', async () => {
  const dir = tempDir();
  const file = writeBytes(dir, 'l.csv', Buffer.from('prompt,weak,strong\n\x93caf\xe9\x94,True,False\nq2,False,True\nq3,True,True\n', 'latin1'));
  const r = await cli(['train', 'l.csv', '--encoding', 'latin1', '--router', 'random', '--no-holdout', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).lineage, [{ kind: 'file', hash: bytesHash(file), path: 'l.csv', role: 'train' }]);
  // Latin-1 as spreadsheets write it (Windows-1252): 0x93/0x94 are curly quotes, not C1 controls.
  assert.equal(readDataset(file, { encoding: 'latin1' }).rows[0]!.query, '\u201ccafé\u201d');
  // A UTF-8 file given --encoding latin1 would reach the models as mojibake (cafÃ©): refused. ASCII is both.
  const utf8 = writeFile(dir, 'u.csv', 'prompt,weak,strong\ncafé,True,False\nq2,False,True\n');
  rejects(() => readDataset(utf8, { encoding: 'latin1' }), `${utf8}: is UTF-8, not Latin-1: read it without options.encoding latin1`);
  const bom = writeBytes(dir, 'b.csv', Buffer.concat([BOM, Buffer.from(GOOD)]));
  rejects(() => readDataset(bom, { encoding: 'latin1' }), `${bom}: is UTF-8, not Latin-1: read it without options.encoding latin1`);
  assert.equal(readDataset(writeFile(dir, 'a.csv', GOOD), { encoding: 'latin1' }).rows.length, 3);
});

// ---------------------------------------------------------------- undecodable bytes

test('bytes that are not UTF-8 are an error naming the file, the line and the byte offset', async () => {
  const dir = tempDir();
  const file = writeBytes(dir, 'l.csv', Buffer.from('prompt,weak,strong\nq1,True,False\ncaf\xe9,True,False\n', 'latin1'));
  rejects(() => readDataset(file), `${file}:3: byte 0xE9 at offset 36 is not UTF-8: save it as UTF-8, or read it as Latin-1 with options.encoding latin1`);
  // The same message from the query reader behind label, route --file and estimate --queries.
  const q = writeBytes(dir, 'q.csv', Buffer.from('query\ncaf\xe9\n', 'latin1'));
  rejects(() => readQueries(q), `${q}:2: byte 0xE9 at offset 9 is not UTF-8: save it as UTF-8, or read it as Latin-1 with options.encoding latin1`);
  // JSON files have no --encoding to point at.
  rejects(() => decodeText(Buffer.from('{"a":"\xff"}', 'latin1'), 'x.json'), 'x.json:1: byte 0xFF at offset 6 is not UTF-8: save it as UTF-8');
  const r = await cli(['route', '--router', 'x', '--file', 'q.csv'], dir);
  assert.equal(r.stderr, 'router: q.csv:2: byte 0xE9 at offset 9 is not UTF-8: save it as UTF-8, or read it as Latin-1 with --encoding latin1\n');
  assert.equal(r.code, 2);
});

test('the UTF-8 check refuses overlongs, surrogates and truncated sequences, at the sequence start', async () => {
  const at = (...b: number[]) => firstInvalidUtf8(Uint8Array.from(b));
  assert.equal(at(0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80), -1);
  assert.equal(at(0x61, 0xc0, 0xaf), 1, 'overlong /');
  assert.equal(at(0x61, 0xed, 0xa0, 0x80), 1, 'surrogate');
  assert.equal(at(0x61, 0x62, 0xe2, 0x82), 2, 'truncated at the end');
  assert.equal(at(0xf4, 0x90, 0x80, 0x80), 0, 'above U+10FFFF');
  assert.equal(at(0x80), 0, 'lone continuation byte');
});

test('UTF-16 and UTF-32 files, with or without a byte order mark, and NUL bytes are named as such', async () => {
  const dir = tempDir();
  const le = writeBytes(dir, 'le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOOD, 'utf16le')]));
  rejects(() => readDataset(le), `${le}: is UTF-16 (little-endian; it starts with the byte order mark FF FE), not UTF-8 text: save it as UTF-8`);
  const be = writeBytes(dir, 'be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(GOOD, 'utf16le').swap16()]));
  rejects(() => readDataset(be), `${be}: is UTF-16 (big-endian; it starts with the byte order mark FE FF), not UTF-8 text: save it as UTF-8`);
  // --encoding latin1 does not turn UTF-16 into text either.
  rejects(() => readDataset(le, { encoding: 'latin1' }), `${le}: is UTF-16 (little-endian; it starts with the byte order mark FF FE), not UTF-8 text: save it as UTF-8`);
  const bare = writeBytes(dir, 'bare.csv', Buffer.from(GOOD, 'utf16le'));
  rejects(() => readDataset(bare), `${bare}:1: NUL byte at offset 1: it looks like UTF-16 without a byte order mark: save it as UTF-8`);
  const u32 = writeBytes(dir, 'u32.csv', Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]));
  rejects(() => readDataset(u32), `${u32}: is UTF-32 (little-endian; it starts with the byte order mark FF FE 00 00), not UTF-8 text: save it as UTF-8`);
  const nul = writeBytes(dir, 'nul.csv', 'prompt,weak,strong\nq1,True,False\nq\u00002,False,True\n');
  rejects(() => readDataset(nul), `${nul}:3: NUL byte at offset 34: binary data, not a text file`);
});

test('a JSONL or JSON artifact with a byte order mark is refused by name; a CSV with one is read', async () => {
  const dir = tempDir();
  const row = '{"query":"a","models":{"w":{"quality":0},"s":{"quality":1}}}\n';
  const jsonl = writeBytes(dir, 'b.jsonl', Buffer.concat([BOM, Buffer.from(row)]));
  // JSON is UTF-8 whatever --encoding says, and its message does not offer the flag.
  const l1 = writeBytes(dir, 'l1.jsonl', Buffer.from('{"query":"caf\xe9","models":{"w":{"quality":0}}}\n', 'latin1'));
  rejects(() => readDataset(l1, { encoding: 'latin1' }), `${l1}:1: byte 0xE9 at offset 13 is not UTF-8: save it as UTF-8`);
  rejects(() => readDataset(jsonl), `${jsonl}:1: starts with a UTF-8 byte order mark (bytes EF BB BF), which JSON and JSONL do not allow: save it without one`);
  const { path } = writeJsonArtifact('bench', { machine: { cpu: 'x', cores: 1 }, date: '2026-01-01' }, [], { root: dir, name: 'b' });
  writeFileSync(path, Buffer.concat([BOM, readFileSync(path)]));
  rejects(() => readJsonArtifact(path, 'bench'), `${path}:1: starts with a UTF-8 byte order mark (bytes EF BB BF), which JSON and JSONL do not allow: save it without one`);
});

// ---------------------------------------------------------------- CSV structure

test('a CRLF header over LF rows, and the reverse, are mixed line endings, named at the first odd line', async () => {
  const dir = tempDir();
  const crlfHeader = writeFile(dir, 'a.csv', GOOD.replace('\n', '\r\n'));
  rejects(() => readDataset(crlfHeader), `${crlfHeader}:2: mixed line endings: the header line ends in CRLF, this line in LF; save the file with one kind of line ending`);
  const lfHeader = writeFile(dir, 'b.csv', 'prompt,weak,strong\nq1,True,False\r\nq2,False,True\r\n');
  rejects(() => readDataset(lfHeader), `${lfHeader}:2: mixed line endings: the header line ends in LF, this line in CRLF; save the file with one kind of line ending`);
  const late = writeFile(dir, 'c.csv', 'prompt,weak,strong\r\nq1,True,False\r\nq2,False,True\nq3,True,True\r\n');
  rejects(() => readDataset(late), `${late}:3: mixed line endings: the header line ends in CRLF, this line in LF; save the file with one kind of line ending`);
  // Line breaks inside quoted fields are data, whatever their kind; a last line without a break is fine.
  const ok = writeFile(dir, 'ok.csv', 'prompt,weak,strong\r\n"two\nlines",True,False\r\n"two\r\nlines, again",False,True\r\nq3,True,True');
  const d = readDataset(ok);
  assert.deepEqual(d.rows.map((r) => r.query), ['two\nlines', 'two\r\nlines, again', 'q3']);
  // A dataset artifact whose line ends became CRLF (git autocrlf) still reads, hash and all: JSON cannot hold a raw CR.
  const rows = [{ id: 'a', query: 'q', models: { w: { quality: 0 }, s: { quality: 1 } } }, { id: 'b', query: 'r', models: { w: { quality: 1 }, s: { quality: 1 } } }];
  const { path, envelope } = writeDatasetArtifact({ models: [{ id: 'w' }, { id: 's' }], rowCount: 2 }, rows, [], { root: dir, name: 'ds' });
  const crlf = writeFile(dir, 'crlf.jsonl', readFileSync(path, 'utf8').replace(/\n/g, '\r\n'));
  assert.equal(readDataset(crlf).source.hash, envelope.contentHash);
  assert.deepEqual(readDataset(crlf).rows, rows);
});

test('an unclosed quote is reported on the line where it opened, not where the parser gave up', async () => {
  const dir = tempDir();
  const lines = ['prompt,weak,strong', ...Array.from({ length: 999 }, (_, i) => `q${i + 1},True,False`)];
  lines[3] = '"q3 has no closing quote,True,False';
  const eof = writeFile(dir, 'eof.csv', lines.join('\n') + '\n');
  rejects(() => readDataset(eof), `${eof}:4: unclosed quote: the quoted field that starts on this line never ends, so the rest of the file would be read into it`);
  // With other quoted fields further on, the quote "closes" at the next one: still reported where it opened.
  lines[700] = '"q700",True,False';
  const later = writeFile(dir, 'later.csv', lines.join('\n') + '\n');
  rejects(
    () => readDataset(later),
    `${later}:4: the quoted field that starts on this line runs on to line 701, where a quote is followed by 'q700"' instead of a comma or the line end: a closing quote is missing, or a quote inside the field is not written as ""`,
  );
  const inner = writeFile(dir, 'inner.csv', 'prompt,weak,strong\n"he said "hi" twice",True,False\n');
  rejects(() => readDataset(inner), `${inner}:2: a quote inside a quoted field ends it early (followed by 'hi" twice"'); write each quote inside a quoted field as ""`);
  const q = writeFile(dir, 'q.csv', 'query\nfine\n"open\nand on\n');
  rejects(() => readQueries(q), `${q}:3: unclosed quote: the quoted field that starts on this line never ends, so the rest of the file would be read into it`);
});

test('an empty file, a header only, and a folder without data files', async () => {
  const dir = tempDir();
  rejects(() => readDataset(writeFile(dir, 'e.csv', '')), `${join(dir, 'e.csv')}: empty CSV: no header row`);
  rejects(() => readDataset(writeFile(dir, 'h.csv', 'prompt,weak,strong\n')), `${join(dir, 'h.csv')}: no rows`);
  rejects(() => readDataset(writeFile(dir, 'h2.csv', 'prompt,weak,strong')), `${join(dir, 'h2.csv')}: no rows`);
  rejects(() => readDataset(writeFile(dir, 'e.jsonl', '')), `${join(dir, 'e.jsonl')}: no rows`);
  rejects(() => readDataset(writeFile(dir, 'w.jsonl', '\n  \n')), `${join(dir, 'w.jsonl')}: no rows`);
  rejects(() => readQueries(writeFile(dir, 'qh.csv', 'query\n')), `${join(dir, 'qh.csv')}: no rows`);
  const folder = join(dir, 'none');
  mkdirSync(folder);
  writeFile(folder, 'README.md', 'hi');
  rejects(() => readDataset(folder), `${folder}: folder holds no .csv or .jsonl files`);
});

// ---------------------------------------------------------------- what is left out is counted

test('files a data folder skips are counted in a note', async () => {
  const dir = tempDir();
  const folder = join(dir, 'data');
  mkdirSync(join(folder, 'old'), { recursive: true });
  writeFile(folder, 'a.csv', GOOD);
  writeFile(folder, 'README.md', 'about');
  writeFile(folder, 'b.csv.bak', GOOD);
  assert.deepEqual(readDataset(folder).notes, ['3 files left out of the folder: not .csv or .jsonl (README.md, b.csv.bak, old/)']);
  const r = await cli(['train', 'data', '--router', 'random', '--no-holdout'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^note: 3 files left out of the folder: not \.csv or \.jsonl \(README\.md, b\.csv\.bak, old\/\)\n/);
  assert.equal(readDataset(join(folder, 'a.csv')).notes, undefined);
  // A data file that cannot be read is an error, not a file left out.
  symlinkSync(join(dir, 'nowhere.csv'), join(folder, 'broken.csv'));
  rejects(() => readDataset(folder), `${join(folder, 'broken.csv')}: no such file`);
});

test('rows without an outcome for the pair are counted in a note, by cause', async () => {
  const rows: DatasetRow[] = [
    { id: '1', query: 'a', models: { weak: { quality: 0 }, 'strong-m': { quality: 1 } } },
    { id: '2', query: 'b', models: { weak: { quality: 1 } } },
  ];
  assert.equal(leftOutNote(rows, { weak: 'weak', strong: 'strong-m' }), '1 row left out: no outcome for strong-m');
  assert.equal(leftOutNote(rows.slice(0, 1), { weak: 'weak', strong: 'strong-m' }), undefined);
  const more: DatasetRow[] = [...rows, { id: '3', query: 'c', models: { other: { quality: 1 } } }, { id: '4', query: 'd', models: { weak: { quality: 0 } } }];
  assert.equal(leftOutNote(more, { weak: 'weak', strong: 'strong-m' }), '3 rows left out: no outcome for strong-m (2), weak or strong-m (1)');

  const dir = tempDir();
  const line = (q: string, m: Record<string, number>) => JSON.stringify({ query: q, models: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { quality: v }])) });
  const data = ['reset my password', 'refund my order', 'reset my email', 'refund my invoice', 'reset my phone', 'refund my card'].map((q, i) => line(q, { weak: i % 2, 'strong-m': 1 - (i % 2) }));
  data.push(line('where is my parcel', { weak: 1 }));
  writeFile(dir, 'd.jsonl', data.join('\n') + '\n');
  const t = await cli(['train', 'd.jsonl', '--weak', 'weak', '--strong', 'strong-m', '--router', 'random', '--no-holdout', '--name', 'r'], dir);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /^note: 1 row left out: no outcome for strong-m\n/);
  const e = await cli(['eval', 'd.jsonl', '--router', 'r', '--bootstrap', '0', '--json'], dir);
  assert.equal(e.code, 0, e.stderr);
  assert.ok(JSON.parse(e.stdout).body.notes.includes('1 row left out: no outcome for strong-m'));
});

// ---------------------------------------------------------------- artifact bodies

/** Writes an artifact whose body was edited by hand and its hash recomputed, so only the schema can catch it. */
function handEdited(path: string, edit: (body: any) => void): void {
  const env = JSON.parse(readFileSync(path, 'utf8'));
  edit(env.body);
  env.contentHash = contentHash(env.body);
  writeFileSync(path, JSON.stringify(env, null, 2));
}

test('a deployment with threshold 5 is refused by eval, route and estimate, naming the file and the field', async () => {
  const dir = tempDir();
  const t = await cli(['train', DEMO, '--name', 'demo'], dir);
  assert.equal(t.code, 0, t.stderr);
  const d = await cli(['eval', DEMO, '--router', 'demo', '--target-share', '0.3', '--bootstrap', '0'], dir);
  assert.equal(d.code, 0, d.stderr);
  const dep = 'artifacts/deployments/demo/v1.json';
  assert.equal((await cli(['route', '--deployment', 'demo', 'hello'], dir)).code, 0, 'the deployment eval wrote reads back');
  handEdited(join(dir, dep), (b) => (b.threshold = 5));
  const line = `router: ${dep}: field "body.threshold": invalid deployment artifact: must be in [0,1]\n`;
  const before = filesUnder(dir);
  for (const args of [
    ['eval', DEMO, '--deployment', 'demo'],
    ['route', '--deployment', 'demo', 'hello'],
    ['estimate', '--deployment', 'demo', '--volume', '1k/day'],
  ]) {
    const r = await cli(args, dir);
    assert.equal(r.stderr, line, args[0]);
    assert.equal(r.code, 2);
  }
  assert.deepEqual(filesUnder(dir), before, 'nothing is written');

  // The router itself: a threshold out of range, and a body missing what the router kind requires.
  const router = join(dir, 'artifacts/routers/demo/v1.json');
  const original = readFileSync(router, 'utf8');
  handEdited(router, (b) => (b.threshold = 7));
  assert.equal((await cli(['route', '--router', 'demo', 'hello'], dir)).stderr, 'router: artifacts/routers/demo/v1.json: field "body.threshold": invalid router artifact: must be in [0,1]\n');
  writeFileSync(router, original);
  handEdited(router, (b) => delete b.calibration);
  assert.equal((await cli(['route', '--router', 'demo', 'hello'], dir)).stderr, 'router: artifacts/routers/demo/v1.json: field "body.calibration": router artifact from an older version of this tool (no calibration record); train it again\n');

  // The eval report: a strong share of 2 at its operating point.
  const report = join(dir, 'artifacts/reports/demo/v1.json');
  handEdited(report, (b) => (b.routers[0].operatingPoint.point.strongShare = 2));
  assert.equal(
    (await cli(['estimate', '--eval', 'demo', '--volume', '1k/day'], dir)).stderr,
    'router: artifacts/reports/demo/v1.json: field "body.routers.0.operatingPoint.point.strongShare": invalid eval-report artifact: must be in [0,1]\n',
  );
});

test('every kind has a body schema, checked on every read; a dataset artifact too', async () => {
  for (const kind of ARTIFACT_KINDS) assert.ok(checkBody(kind, 'not an object'), kind);
  // The all-weak operating point's threshold is the double just above 1, and is a valid deployment.
  const deployment = { router: { name: 'r', path: 'r.json', hash: 'sha256:x' }, pair: { weak: 'w', strong: 's' }, monitoring: 0 };
  assert.equal(checkBody('deployment', { ...deployment, threshold: 1 + Number.EPSILON }), undefined);
  assert.deepEqual(checkBody('deployment', { ...deployment, threshold: 1.001 }), { field: 'body.threshold', message: 'invalid deployment artifact: must be in [0,1]' });
  const root = tempDir();
  const rows = [{ id: 'a', query: 'q', models: { w: { quality: 0 }, s: { quality: 1 } } }];
  const { path } = writeDatasetArtifact({ models: [{ id: 'w' }, { id: 's' }], rowCount: 1, defaultPair: { weak: 'w', strong: 's' } }, rows, [], { root, name: 'ds' });
  assert.equal(readDataset(path).rows.length, 1);
  const bad = writeDatasetArtifact({ models: [{ id: 'w', price: { perCall: -1 } }], rowCount: 1 }, rows, [], { root, name: 'bad' });
  rejects(() => readDataset(bad.path), `${bad.path}:1: field "body.models.0.price.perCall": invalid dataset artifact: must be >= 0`);
  const est = writeJsonArtifact('estimate', { inputs: { volume: { count: 1, per: 'week' } } }, [], { root, name: 'e' });
  rejects(() => readJsonArtifact(est.path, 'estimate'), `${est.path}: field "body.inputs.volume.per": invalid estimate artifact: Invalid option: expected one of "day"|"month"`);
});

// ---------------------------------------------------------------- volumes

test('volumes: a comma only separates thousands, and a hundred-digit count is refused like 1e99', async () => {
  assert.deepEqual(volume('1,000,000/day'), { count: 1_000_000, per: 'day' });
  assert.deepEqual(volume('1_000/month'), { count: 1000, per: 'month' });
  assert.deepEqual(volume('1.5M/day'), { count: 1_500_000, per: 'day' });
  assert.deepEqual(volume('1,000.5/day'), { count: 1000.5, per: 'day' });
  const refused = (v: string, message: string) => assert.throws(() => volume(v), { message });
  const comma = (d: string) => `"${d}": a comma can only separate thousands (1,000,000); write a decimal point as ".", e.g. 5.5k/day.`;
  refused('5,5/day', comma('5,5'));
  refused('12,34,567/day', comma('12,34,567'));
  refused('5,/day', comma('5,'));
  const hint = 'expected a count per day or month, e.g. 1000000/day, 50k/day or 30M/month.';
  refused('1e99/day', hint);
  refused(`1${'0'.repeat(99)}/day`, `too large: at most 10^15 queries per day or month; ${hint}`);
  refused('2000000b/day', `too large: at most 10^15 queries per day or month; ${hint}`);
  refused('1..5/day', hint);
  const dir = tempDir();
  const r = await cli(['estimate', '--volume', '5,5/day', '--tokens', '500', '--strong-price', '15', '--weak-price', '0.8', '--weak-share', '0.7'], dir);
  assert.equal(r.stderr, `error: option '--volume <n/period>' argument '5,5/day' is invalid. ${comma('5,5')}\n`);
  assert.equal(r.code, 2);
});

// ---------------------------------------------------------------- sizes

test('a CSV over 512 MiB is refused before it is read, naming the limit and the way around it', async () => {
  const dir = tempDir();
  const path = join(dir, 'huge.csv');
  // Sparse: 513 MiB on paper, a few bytes on disk.
  const fd = openSync(path, 'w');
  ftruncateSync(fd, 513 * 2 ** 20);
  closeSync(fd);
  const r = await cli(['train', 'huge.csv'], dir);
  assert.equal(r.stderr, 'router: huge.csv: is 513 MiB, over the limit of 512 MiB for one file; split it into several files in one folder, and give the folder\n');
  assert.equal(r.code, 2);
  // Exactly 512 MiB of ASCII is 24 characters more than V8's longest string.
  const edge = openSync(join(dir, 'edge.csv'), 'w');
  ftruncateSync(edge, 512 * 2 ** 20);
  closeSync(edge);
  rejects(() => readDataset(join(dir, 'edge.csv')), `${join(dir, 'edge.csv')}: is 536,870,912 bytes, over the limit of 536,870,888 bytes for one file; split it into several files in one folder, and give the folder`);
  const q = await cli(['route', '--router', 'x', '--file', 'huge.csv'], dir);
  assert.equal(q.stderr, 'router: huge.csv: is 513 MiB, over the limit of 512 MiB for one file; split it into several CSVs and give each in turn\n');
  assert.equal(q.code, 2);
  // The limit is injectable; a file in a folder is checked before any is read.
  const folder = join(dir, 'f');
  mkdirSync(folder);
  writeFile(folder, 'a.csv', GOOD);
  writeFile(folder, 'b.csv', GOOD + 'q4,True,True\n');
  rejects(() => readDataset(folder, { limits: { fileBytes: 60 } }), `${join(folder, 'b.csv')}: is 73 bytes, over the limit of 60 bytes for one file; split it into several files in one folder, and give the folder`);
});

test('a dataset that does not fit in memory is a user error naming the limit and the way around it', async () => {
  const dir = tempDir();
  const folder = join(dir, 'f');
  mkdirSync(folder);
  writeFile(folder, 'a.csv', GOOD);
  writeFile(folder, 'b.csv', GOOD.replace(/q/g, 'b'));
  rejects(
    () => readDataset(folder, { limits: { heapBytes: 500 } }),
    `${folder}: the folder's data files are 120 bytes, which needs about 720 bytes of memory to read, more than the 500 bytes this process may use: run with NODE_OPTIONS=--max-old-space-size=1024, or read fewer of its files (move some out of the folder)`,
  );
});
