import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonArtifact, resolveArtifact, writeDatasetArtifact, writeJsonArtifact } from '../src/artifacts/store.ts';
import { canonicalJson } from '../src/artifacts/hash.ts';
import { readDataset } from '../src/data/read-dataset.ts';
import { UserError } from '../src/errors.ts';
import { tempDir } from './helpers.ts';

const body = { threshold: 0.5, nested: { b: 1, a: [1, 2] } };

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UserError, String(err));
    return err.describe();
  }
  assert.fail('expected an error');
}

test('every artifact carries kind, schema version, tool version, creation time, content hash and lineage', () => {
  const root = tempDir();
  const now = new Date('2026-03-04T05:06:07.000Z');
  const lineage = [{ kind: 'file' as const, hash: `sha256:${'a'.repeat(64)}` as const, path: 'x.csv', role: 'train' }];
  // The store checks every body it reads against its kind's schema, so this one is a minimal valid report.
  const report = { pair: { weak: 'w', strong: 's' }, costUnit: 'units', usage: {}, routers: [{ name: 'r', operatingPoint: { point: { threshold: 0.5, strongShare: 0.3, qualityGap: 0.01 } } }], nested: body.nested };
  const { path, envelope } = writeJsonArtifact('eval-report', report, lineage, { root, name: 'r', now });
  assert.equal(path, join(root, 'reports', 'r', 'v1.json'));
  const onDisk = JSON.parse(readFileSync(path, 'utf8'));
  assert.deepEqual(Object.keys(onDisk), ['kind', 'schemaVersion', 'toolVersion', 'createdAt', 'name', 'version', 'contentHash', 'lineage', 'body']);
  assert.equal(onDisk.kind, 'eval-report');
  assert.equal(onDisk.schemaVersion, 1);
  assert.equal(onDisk.toolVersion, JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  assert.equal(onDisk.createdAt, '2026-03-04T05:06:07.000Z');
  assert.deepEqual(onDisk.lineage, lineage);
  assert.equal(onDisk.contentHash, envelope.contentHash);
  assert.deepEqual(readJsonArtifact(path, 'eval-report').body, report, 'the body is returned as written, fields outside the schema included');
});

test('writing never overwrites: each write is a new version, and NAME resolves to the latest', () => {
  const root = tempDir();
  const a = writeJsonArtifact('router', { v: 1 }, [], { root, name: 'demo' });
  const b = writeJsonArtifact('router', { v: 2 }, [], { root, name: 'demo' });
  assert.equal(a.path, join(root, 'routers', 'demo', 'v1.json'));
  assert.equal(b.path, join(root, 'routers', 'demo', 'v2.json'));
  assert.deepEqual(readdirSync(join(root, 'routers', 'demo')), ['v1.json', 'v2.json'], 'no temp files are left behind');
  assert.equal(resolveArtifact('demo', 'router', root), b.path);
  assert.equal(resolveArtifact('demo@1', 'router', root), a.path);
  assert.equal(resolveArtifact(a.path, 'router', root), a.path);
  assert.equal(message(() => resolveArtifact('demo@7', 'router', root)), 'demo@7: router "demo" has no version 7 (have: v1, v2)');
  assert.equal(message(() => resolveArtifact('nope', 'router', root)), `nope: no such file, and no router named "nope" (known: demo)`);
});

test('readers reject a wrong kind, an unknown kind, a newer schema and an edited file', () => {
  const root = tempDir();
  const { path } = writeJsonArtifact('router', body, [], { root, name: 'x' });
  assert.equal(message(() => readJsonArtifact(path, 'eval-report')), `${path}: is a router artifact, expected an eval-report`);

  const raw = JSON.parse(readFileSync(path, 'utf8'));
  const variant = (name: string, change: (o: Record<string, unknown>) => void) => {
    const o = structuredClone(raw);
    change(o);
    const p = join(root, name);
    writeFileSync(p, JSON.stringify(o));
    return p;
  };
  const unknown = variant('unknown.json', (o) => (o.kind = 'pizza'));
  assert.equal(message(() => readJsonArtifact(unknown, 'router')), `${unknown}: unknown artifact kind "pizza" (known: dataset, router, eval-report, deployment, estimate, bench)`);
  const newer = variant('newer.json', (o) => (o.schemaVersion = 99));
  assert.match(message(() => readJsonArtifact(newer, 'router')), /router schema version 99 is newer than this router .* reads \(1\); upgrade the tool$/);
  const edited = variant('edited.json', (o) => ((o.body as typeof body).threshold = 0.9));
  assert.match(message(() => readJsonArtifact(edited, 'router')), /content hash mismatch: the file was changed after it was written/);
  const notArtifact = join(root, 'plain.json');
  writeFileSync(notArtifact, '{"hello": 1}');
  assert.match(message(() => readJsonArtifact(notArtifact, 'router')), /^.*plain\.json: not a router artifact: kind: /);
});

test('the content hash does not depend on key order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 2 } }), '{"a":{"c":2,"d":[1,{"y":2,"z":1}]},"b":1}');
});

test('hashes are of RFC 8785 canonical JSON: the RFC\'s own examples', () => {
  // Section 3.2.2 (numbers and strings), parsed from its JSON text as a reader would.
  const input = readFileSync(join(import.meta.dirname, 'fixtures', 'rfc8785-input.json'), 'utf8');
  const expected = readFileSync(join(import.meta.dirname, 'fixtures', 'rfc8785-output.json'), 'utf8').trimEnd();
  assert.equal(canonicalJson(JSON.parse(input)), expected);
  // Section 3.2.3: keys sorted by UTF-16 code units (JSON.parse would list "1" first again, so read the text).
  const keys = { '\u20ac': 0, '\r': 0, '\ufb33': 0, '1': 0, '\ud83d\ude00': 0, '\u0080': 0, '\u00f6': 0 };
  const order = [...canonicalJson(keys).matchAll(/"([^"]*)":/g)].map((m) => JSON.parse(`"${m[1]}"`).codePointAt(0).toString(16));
  assert.deepEqual(order, ['d', '31', '80', 'f6', '20ac', '1f600', 'fb33']);
});

test('artifacts hashed before RFC 8785 still verify: the bundled demo dataset', () => {
  const demo = readDataset(join(import.meta.dirname, '..', 'datasets', 'demo-support.jsonl'));
  assert.equal(demo.source.hash, 'sha256:51ffa7a9dc2075f705c71598594132475aac399d19e1499ac15dfe0f70ac7df3');
  assert.equal(demo.source.isArtifact, true);
});

test('a dataset artifact is JSONL: envelope first, then rows; its hash covers the rows', () => {
  const root = tempDir();
  const rows = [
    { id: 'a', query: 'q1', models: { w: { quality: 0 }, s: { quality: 1 } } },
    { id: 'b', query: 'q2', models: { w: { quality: 1 }, s: { quality: 1 } } },
  ];
  const dsBody = { models: [{ id: 'w' }, { id: 's', price: { perCall: 0.01 } }], defaultPair: { weak: 'w', strong: 's' }, rowCount: 2 };
  const { path, envelope } = writeDatasetArtifact(dsBody, rows, [], { root, name: 'ds' });
  assert.equal(path, join(root, 'datasets', 'ds', 'v1.jsonl'));
  const d = readDataset('ds', { root });
  assert.equal(d.source.hash, envelope.contentHash);
  assert.equal(d.source.isArtifact, true);
  assert.deepEqual(d.defaultPair, { weak: 'w', strong: 's' });
  assert.deepEqual(d.rows, rows);

  const text = readFileSync(path, 'utf8');
  const tampered = join(root, 'tampered.jsonl');
  writeFileSync(tampered, text.replace('"quality":0', '"quality":1'));
  assert.match(message(() => readDataset(tampered)), /tampered\.jsonl:1: content hash mismatch/);
  const truncated = join(root, 'truncated.jsonl');
  writeFileSync(truncated, text.slice(0, text.length - 20));
  assert.match(message(() => readDataset(truncated)), /truncated\.jsonl:1: content hash mismatch/);
});

test('an identical re-write returns the latest version instead of adding one; new content or lineage adds one', () => {
  const root = tempDir();
  const rows = [{ id: 'a', query: 'q', models: { w: { quality: 1 }, s: { quality: 0 } } }];
  const dsBody = { models: [{ id: 'w' }, { id: 's' }], pair: { weak: 'w', strong: 's' } };
  const lineage = [{ kind: 'file' as const, hash: `sha256:${'0'.repeat(64)}` as const, path: 'q.csv', role: 'queries' }];
  const first = writeDatasetArtifact(dsBody, rows, lineage, { root, name: 'd' });
  const again = writeDatasetArtifact(dsBody, rows, lineage, { root, name: 'd', now: new Date(0) });
  assert.equal(again.path, first.path);
  assert.equal(again.reused, true);
  assert.equal(again.envelope.createdAt, first.envelope.createdAt, 'the existing version, as written');
  const other = writeDatasetArtifact(dsBody, [...rows, { ...rows[0]!, id: 'b' }], lineage, { root, name: 'd' });
  assert.match(other.path, /v2\.jsonl$/);
  const relinked = writeDatasetArtifact(dsBody, [...rows, { ...rows[0]!, id: 'b' }], [{ ...lineage[0]!, hash: `sha256:${'1'.repeat(64)}` as const }], { root, name: 'd' });
  assert.match(relinked.path, /v3\.jsonl$/, 'same rows from another input is another version');
  assert.deepEqual(readdirSync(join(root, 'datasets', 'd')).sort(), ['v1.jsonl', 'v2.jsonl', 'v3.jsonl']);
});
