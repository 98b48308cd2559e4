import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetRow as Row } from '../src/data/dataset.ts';
import { cli } from './cli.ts';
import { filesUnder, tempDir, writeFile } from './helpers.ts';
import { defaultReply, providerEnv, startFakeLlmServer, type FakeLlmServer, type FakeRequest } from './fake-llm-server.ts';

// `router label --models a,b,c`: every model answers every query, in process through cli() against
// the fake server. Three models of three strengths: fake-weak cannot answer a "hard" query, fake-mid
// cannot answer a "very hard" one, fake-strong answers everything. Answers name their model, so no
// two models' answers (and so no two judge prompts) are the same call.

const OPENAI_KEY = 'sk-models-openai-key-1234567890';
const ANTHROPIC_KEY = 'sk-ant-models-key-0987654321';
const WEAK = 'openai:fake-weak';
const MID = 'openai:fake-mid';
const STRONG = 'anthropic:fake-strong';
const JUDGE = 'openai:fake-judge';
const THREE = [WEAK, MID, STRONG].join(',');
const PRICES = JSON.stringify({
  models: {
    [WEAK]: { inputPerMTok: 1, outputPerMTok: 2 },
    [MID]: { inputPerMTok: 3, outputPerMTok: 6 },
    [STRONG]: { inputPerMTok: 10, outputPerMTok: 20 },
    [JUDGE]: { inputPerMTok: 5, outputPerMTok: 10 },
  },
});
const BAD = "I don't know.";

function reply(req: FakeRequest): string {
  if (req.model === 'fake-judge') return defaultReply(req);
  const last = req.messages.at(-1)?.content ?? '';
  if (req.model === 'fake-mid' && /very hard/.test(last)) return `${BAD} (fake-mid)`;
  return `${defaultReply(req)} (${req.model})`;
}

function envFor(server: FakeLlmServer): Record<string, string> {
  return { OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY, OPENAI_BASE_URL: server.openaiBaseURL, ANTHROPIC_BASE_URL: server.anthropicBaseURL };
}

function router(args: string[], dir: string, env: Record<string, string>) {
  return cli(args, dir, providerEnv(env));
}

/** Query i: "very hard" when i % 4 == 1, "hard" when odd, else easy. */
function kind(i: number): 'very hard' | 'hard' | 'easy' {
  return i % 4 === 1 ? 'very hard' : i % 2 ? 'hard' : 'easy';
}

function queries(n: number): string {
  const topics = ['billing', 'refunds', 'login', 'shipping', 'invoices'];
  const lines = ['id,query,topic'];
  for (let i = 1; i <= n; i++) {
    const t = topics[i % topics.length];
    lines.push(`q${i},"a ${kind(i)} question number ${i} about ${t}",${t}`);
  }
  return lines.join('\n') + '\n';
}

function setup(csv: string): string {
  const dir = tempDir('router-label-models-');
  writeFile(dir, 'q.csv', csv);
  writeFile(dir, 'prices.json', PRICES);
  return dir;
}

async function withServer<T>(fn: (s: FakeLlmServer) => Promise<T>, answer = reply): Promise<T> {
  const server = await startFakeLlmServer({ reply: answer });
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

function readArtifact(dir: string, name = 'q', version = 1): { body: Record<string, unknown> & { provenance: Record<string, unknown> }; rows: Row[] } {
  const [head, ...rest] = readFileSync(join(dir, 'artifacts', 'datasets', name, `v${version}.jsonl`), 'utf8').trim().split('\n');
  return { body: JSON.parse(head!).body, rows: rest.map((l) => JSON.parse(l) as Row) };
}

function price(model: string): { inputPerMTok: number; outputPerMTok: number } {
  return (JSON.parse(PRICES) as { models: Record<string, { inputPerMTok: number; outputPerMTok: number }> }).models[model]!;
}

test('grade mode over three models: every model answers and is graded; the dataset lists all three and no pair; train routes over all three', async () => {
  const dir = setup(queries(24));
  await withServer(async (server) => {
    const env = envFor(server);
    const args = ['label', 'q.csv', '--models', THREE, '--judge', JUDGE, '--mode', 'grade', '--prices', 'prices.json', '--yes', '-j', '4'];
    const r = await router(args, dir, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Labelled 24 of 24 queries: artifacts\/datasets\/q\/v1\.jsonl \(sha256:[0-9a-f]{12}…\)\n/);
    assert.match(r.stdout, /│ answer +│ openai:fake-weak +│ +24 │/);
    assert.match(r.stdout, /│ answer +│ anthropic:fake-strong +│ +24 │/);
    assert.match(r.stdout, /│ judge +│ openai:fake-judge +│ +72 │/);
    // Means: weak 7/9 on the 12 easy rows, 1/9 on the rest; mid 1/9 on the 6 very hard rows; strong 7/9 everywhere.
    assert.match(r.stdout, /Mean quality: openai:fake-weak 0\.444, openai:fake-mid 0\.611, anthropic:fake-strong 0\.778\. Best alone on: openai:fake-weak 0, openai:fake-mid 0, anthropic:fake-strong 6; several tied for best on 18\./);
    // 24 rows x 3 answers, and 3 distinct answers to grade on each.
    assert.equal(server.requests.length, 24 * 6);

    const { body, rows } = readArtifact(dir);
    assert.deepEqual(body.models, [WEAK, MID, STRONG].map((id) => ({ id, price: price(id) })));
    assert.equal(body.defaultPair, undefined, 'no pair over three models');
    assert.equal(body.description, `answers of ${WEAK}, ${MID}, ${STRONG} to q.csv, labelled by 1-10 grades of ${JUDGE}`);
    const prov = body.provenance;
    assert.equal(prov.mode, 'grade');
    assert.equal(prov.judge, JUDGE);
    assert.equal(prov.reference, undefined);
    assert.deepEqual(Object.keys(prov.models as object), [WEAK, MID, STRONG, 'judge']);
    assert.equal(rows.length, 24);
    for (const row of rows) {
      assert.deepEqual(Object.keys(row.models), [WEAK, MID, STRONG]);
      assert.equal(row.label, undefined, 'no pair label');
      assert.equal(row.verdicts, undefined);
      const i = Number(row.id.slice(1));
      const expected: Record<string, number> = { [WEAK]: kind(i) === 'easy' ? 8 : 2, [MID]: kind(i) === 'very hard' ? 2 : 8, [STRONG]: 8 };
      for (const m of [WEAK, MID, STRONG]) {
        const o = row.models[m]!;
        assert.equal(o.grade, expected[m], `${row.id} ${m}`);
        assert.equal(o.quality, (expected[m]! - 1) / 9);
        assert.ok(o.response!.endsWith(`(${m.slice(m.indexOf(':') + 1)})`));
        // Tokens as the server counted them, dollars at this model's price.
        assert.ok(o.inputTokens! > 0 && o.outputTokens! > 0);
        const p = price(m);
        assert.ok(Math.abs(o.cost! - (o.inputTokens! * p.inputPerMTok + o.outputTokens! * p.outputPerMTok) / 1e6) < 1e-15);
        assert.ok(o.latencyMs !== undefined && o.latencyMs >= 0);
      }
    }
    assert.deepEqual(rows.find((x) => x.id === 'q1')!.meta, { topic: 'refunds' });

    // The same command again: the journal answers every call.
    const before = server.requests.length;
    const again = await router(args, dir, env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.requests.length, before, 'nothing paid twice');
    assert.match(again.stdout, /the same rows as this version, so no new version was written/);

    const trained = await router(['train', 'q', '--name', 'r'], dir, env);
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(trained.stdout, /over 3 models/);
    const all = filesUnder(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n') + r.stdout;
    assert.ok(!all.includes(OPENAI_KEY) && !all.includes(ANTHROPIC_KEY), 'no key in any file or output');
  });
});

test('reference mode over three models: each answer checked against the known answer, no judge', async () => {
  const lines = ['question,answer'];
  for (let i = 1; i <= 8; i++) lines.push(`A ${kind(i)} sum: what is ${i}+${i * 10}?,${i * 11}`);
  const dir = setup(lines.join('\n') + '\n');
  await withServer(async (server) => {
    const r = await router(['label', 'q.csv', '--models', THREE, '--mode', 'reference', '--reference-col', 'answer', '--match', 'number', '--prices', 'prices.json', '--yes'], dir, envFor(server));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Mean quality: openai:fake-weak 0\.500, openai:fake-mid 0\.750, anthropic:fake-strong 1\.000\./);
    assert.deepEqual(server.requests.map((q) => q.model).sort(), [...Array(8).fill('fake-mid'), ...Array(8).fill('fake-strong'), ...Array(8).fill('fake-weak')]);
    const { body, rows } = readArtifact(dir);
    assert.equal(body.defaultPair, undefined);
    assert.deepEqual((body.models as { id: string }[]).map((m) => m.id), [WEAK, MID, STRONG]);
    assert.equal(body.provenance.judge, null);
    assert.equal(body.provenance.match, 'number');
    assert.deepEqual(
      rows.map((x) => [WEAK, MID, STRONG].map((m) => x.models[m]!.quality)),
      Array.from({ length: 8 }, (_, k) => [kind(k + 1) === 'easy' ? 1 : 0, kind(k + 1) === 'very hard' ? 0 : 1, 1]),
    );
    for (const row of rows) {
      for (const m of [WEAK, MID, STRONG]) assert.ok(row.models[m]!.cost! > 0 && row.models[m]!.outputTokens! > 0);
      assert.equal(row.label, undefined);
    }
  });
});

test('--dry-run over three models counts calls, tokens and dollars per model, and calls nothing', async () => {
  const dir = setup(queries(12));
  await withServer(async (server) => {
    const env = envFor(server);
    const args = ['label', 'q.csv', '--models', THREE, '--judge', JUDGE, '--mode', 'grade', '--confidence', '--prices', 'prices.json'];
    const r = await router([...args, '--dry-run', '--json'], dir, env);
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout);
    assert.deepEqual(
      e.roles.map((x: { purpose: string; model: string; calls: number }) => [x.purpose, x.model, x.calls]),
      [['answer', WEAK, 12], ['answer', MID, 12], ['answer', STRONG, 12], ['judge', JUDGE, 36], ['model-confidence', WEAK, 12], ['model-confidence', MID, 12], ['model-confidence', STRONG, 12]],
    );
    assert.equal(e.calls, 12 * 9);
    for (const role of e.roles as { purpose: string; model: string; inputTokens: number; outputTokens: number; usd: number; maxUsd: number }[]) {
      const p = price(role.model);
      assert.ok(role.inputTokens > 0);
      assert.ok(Math.abs(role.usd - (role.inputTokens * p.inputPerMTok + role.outputTokens * p.outputPerMTok) / 1e6) < 1e-12, `${role.purpose} ${role.model}`);
      assert.ok(role.maxUsd > role.usd);
    }
    assert.equal(e.roles[0].outputTokens, 12 * 300, 'assumed output per answer');
    const table = await router([...args, '--dry-run'], dir, env);
    assert.match(table.stdout, /^12 queries to label: 108 calls to make\.\n/);
    assert.match(table.stdout, /│ answer +│ openai:fake-mid +│ +12 │/);
    assert.match(table.stdout, /│ confidence +│ anthropic:fake-strong +│ +12 │/);
    assert.equal(server.requests.length, 0);
    assert.deepEqual(filesUnder(dir), ['prices.json', 'q.csv'], 'a dry run writes nothing');

    const run = await router([...args, '--yes', '--limit', '4'], dir, env);
    assert.equal(run.code, 0, run.stderr);
    const { rows } = readArtifact(dir);
    assert.deepEqual(rows.map((x) => [WEAK, MID, STRONG].map((m) => x.models[m]!.confidence)), Array(4).fill([0.7, 0.7, 0.7]), 'every model says how sure it is');
    const after = JSON.parse((await router([...args, '--dry-run', '--json'], dir, env)).stdout);
    assert.equal(after.alreadyDone, 4);
    assert.equal(after.rows, 8);
    assert.equal(after.calls, 8 * 9);
  });
});

test('--max-cost over three models stops at the budget; a higher one continues, paying for no call twice and counting what the first run spent', async () => {
  const dir = setup(queries(10));
  await withServer(async (server) => {
    const env = envFor(server);
    const args = ['label', 'q.csv', '--models', THREE, '--judge', JUDGE, '--mode', 'grade', '--prices', 'prices.json', '--yes', '-j', '1', '--no-cache', '--assume-output-tokens', '10', '--max-tokens', '64', '--judge-max-tokens', '64'];
    const first = await router([...args, '--max-cost', '0.01'], dir, env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Stopped at the budget: \$0\.0\d+ of --max-cost \$0\.0100; \d+ rows not run\./);
    const stopped = await router([...args, '--max-cost', '0.01', '--json'], dir, env);
    const one = JSON.parse(stopped.stdout).summary;
    assert.ok(one.labelled >= 1 && one.labelled < 10, stopped.stdout);
    assert.equal(one.stopped.kind, 'budget');
    assert.ok(one.runSpentUsd > 0 && one.runSpentUsd <= 0.01);
    assert.equal(readArtifact(dir).rows.length, one.labelled);

    const more = await router([...args, '--max-cost', '5', '--json'], dir, env);
    assert.equal(more.code, 0, more.stderr);
    const two = JSON.parse(more.stdout).summary;
    assert.equal(two.labelled, 10);
    // The resumed run prices the earlier runs' journaled calls by the model each was for.
    assert.ok(Math.abs(two.runSpentUsd - (one.runSpentUsd + two.spentUsd)) < 1e-12, `${two.runSpentUsd} vs ${one.runSpentUsd} + ${two.spentUsd}`);
    const bodies = server.requests.map((q) => JSON.stringify(q.body));
    assert.equal(new Set(bodies).size, bodies.length, 'no call was made twice');
    assert.equal(bodies.length, 10 * 6);
    assert.equal(readArtifact(dir, 'q', 2).rows.length, 10);
  });
});

test('pairwise over three models: each model against the reference in both orders; the reference has 0.5', async () => {
  const dir = setup(queries(8));
  await withServer(async (server) => {
    const env = envFor(server);
    const r = await router(['label', 'q.csv', '--models', THREE, '--judge', JUDGE, '--prices', 'prices.json', '--yes'], dir, env);
    assert.equal(r.code, 0, r.stderr);
    const { body, rows } = readArtifact(dir);
    assert.equal(body.provenance.reference, STRONG, 'the last model listed');
    assert.match(String(body.description), /labelled by pairwise verdicts of openai:fake-judge against anthropic:fake-strong \(both orders; anthropic:fake-strong has quality 0\.5, the tie point\)$/);
    const q1 = rows.find((x) => x.id === 'q1')!;
    assert.deepEqual(q1.verdicts, [
      { judge: JUDGE, a: WEAK, b: STRONG, winner: 'b' },
      { judge: JUDGE, a: STRONG, b: WEAK, winner: 'a' },
      { judge: JUDGE, a: MID, b: STRONG, winner: 'b' },
      { judge: JUDGE, a: STRONG, b: MID, winner: 'a' },
    ]);
    const outcome = (i: number, m: string) => (m === WEAK ? (kind(i) === 'easy' ? 0.5 : 0) : m === MID ? (kind(i) === 'very hard' ? 0 : 0.5) : 0.5);
    assert.deepEqual(rows.map((x) => [WEAK, MID, STRONG].map((m) => x.models[m]!.quality)), rows.map((x) => [WEAK, MID, STRONG].map((m) => outcome(Number(x.id.slice(1)), m))));

    // Another reference: the middle model. The strong one now beats it on the very hard rows.
    const named = await router(['label', 'q.csv', '--models', THREE, '--reference', MID, '--judge', JUDGE, '--prices', 'prices.json', '--yes', '--name', 'm'], dir, env);
    assert.equal(named.code, 0, named.stderr);
    const m = readArtifact(dir, 'm');
    assert.equal(m.body.provenance.reference, MID);
    assert.deepEqual(
      m.rows.map((x) => [WEAK, MID, STRONG].map((id) => x.models[id]!.quality)),
      m.rows.map((x) => {
        const k = kind(Number(x.id.slice(1)));
        return [k === 'hard' ? 0 : 0.5, 0.5, k === 'very hard' ? 1 : 0.5];
      }),
    );
  });
});

test('a base URL per model: --base-url MODEL=URL, and the environment key does not follow it there', async () => {
  const dir = setup(queries(2));
  await withServer(async (server) => {
    // No ANTHROPIC_BASE_URL: the Anthropic model's server comes from --base-url alone.
    const env = { OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY, OPENAI_BASE_URL: server.openaiBaseURL };
    const r = await router(['label', 'q.csv', '--models', THREE, '--base-url', `${STRONG}=${server.anthropicBaseURL}`, '--mode', 'grade', '--judge', JUDGE, '--prices', 'prices.json', '--yes', '--json'], dir, env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.body.provenance.models[STRONG].endpoint, `127.0.0.1:${server.port}`);
    const anthropic = server.requests.filter((q) => q.api === 'anthropic');
    assert.equal(anthropic.length, 2);
    assert.ok(anthropic.every((q) => q.key !== ANTHROPIC_KEY), 'a key from the environment goes only to its own API or the base URL set beside it');
  });
});

test('--models mistakes: one line each, exit 2, before any call', async () => {
  const dir = setup(queries(3));
  writeFile(dir, 'cfg.json', JSON.stringify({ weak: WEAK, strong: STRONG, judge: JUDGE }));
  await withServer(async (server) => {
    const env = envFor(server);
    const base = ['label', 'q.csv', '--judge', JUDGE, '--prices', 'prices.json', '--yes'];
    const cases: [string[], string][] = [
      [['--models', WEAK], '--models: name at least two models (provider:model, comma-separated), got 1'],
      [['--models', `${WEAK},${MID},${WEAK}`], '--models: openai:fake-weak is named twice'],
      [['--models', `${WEAK}, ${MID},openai: fake-weak`], '--models: openai:fake-weak is named twice'],
      [['--models', THREE, '--weak', WEAK], '--models replaces --weak and --strong: give one or the other'],
      [['--models', THREE, '--strong', STRONG], '--models replaces --weak and --strong: give one or the other'],
      [['--models', THREE, '--reference', 'openai:fake-other'], '--reference: openai:fake-other is not one of --models (openai:fake-weak, openai:fake-mid, anthropic:fake-strong)'],
      [['--models', THREE, '--reference', MID, '--mode', 'grade'], '--reference applies to --mode pairwise; grade mode grades each answer on its own'],
      [['--weak', WEAK, '--strong', STRONG, '--reference', STRONG], '--reference applies to --models: it names the model the others are compared with'],
      [['--models', `${WEAK},gemini:pro`], '--models: unknown provider "gemini" in "gemini:pro"; known providers: openai, anthropic'],
      [['--models', THREE, '--base-url', 'openai:fake-other=http://127.0.0.1:1/v1'], '--base-url: openai:fake-other is neither one of --models nor the judge'],
      [['--models', THREE, '--base-url', `${MID}=http://user:pw@127.0.0.1:1/v1`], '--base-url: the URL holds credentials; put the key in the environment or the config file'],
      [['--weak', WEAK, '--strong', STRONG, '--base-url', `${WEAK}=http://127.0.0.1:1/v1`], '--base-url applies to --models; with --weak and --strong, give --weak-base-url and --strong-base-url'],
      [['--models', THREE, '--weak-base-url', 'http://127.0.0.1:1/v1'], '--weak-base-url applies to --weak; with --models, give --base-url MODEL=URL'],
    ];
    for (const [extra, line] of cases) {
      const r = await router([...base, ...extra], dir, env);
      assert.equal(r.stderr, `router: ${line}\n`, extra.join(' '));
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
    }
    // A config file's weak and strong are defaults, which --models replaces.
    const dry = await router(['label', 'q.csv', '--config', 'cfg.json', '--models', THREE, '--dry-run', '--json', '--prices', 'prices.json'], dir, env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(JSON.parse(dry.stdout).roles.map((x: { model: string }) => x.model), [WEAK, MID, STRONG, JUDGE]);
    const malformed = await router([...base, '--models', THREE, '--base-url', 'http://127.0.0.1:1/v1'], dir, env);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /--base-url <model=url>' argument 'http:\/\/127\.0\.0\.1:1\/v1' is invalid\. expected MODEL=URL \(e\.g\. openai:llama3\.1:8b=http:\/\/localhost:11434\/v1\), got "http:\/\/127\.0\.0\.1:1\/v1"\./);
    assert.equal(server.requests.length, 0, 'nothing was spent');
    assert.deepEqual(filesUnder(dir), ['cfg.json', 'prices.json', 'q.csv'], 'nothing was written');
  });
});

test('a judge reply that cannot be read leaves the row out, naming the model whose answer it was about', async () => {
  const dir = setup(queries(4));
  // The judge garbles whatever shows fake-mid's answer to query 2: its grade, or both orders against the reference.
  const garbled = (req: FakeRequest) => {
    const prompt = [req.system ?? '', ...req.messages.map((m) => m.content)].join('\n');
    return req.model === 'fake-judge' && prompt.includes('number 2 ') && prompt.includes('(fake-mid)') ? 'Hard to say. [[4]] or [[B]], perhaps [[9]].' : reply(req);
  };
  await withServer(async (server) => {
    const env = envFor(server);
    for (const [mode, reason] of [
      ['grade', 'unparseable grade for the answer of openai:fake-mid'],
      ['pairwise', 'unparseable verdict in openai:fake-mid against anthropic:fake-strong, both orders'],
    ] as const) {
      const r = await router(['label', 'q.csv', '--models', THREE, '--judge', JUDGE, '--mode', mode, '--prices', 'prices.json', '--yes', '--name', mode], dir, env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Labelled 3 of 4 queries/);
      const { body, rows } = readArtifact(dir, mode);
      assert.deepEqual(rows.map((x) => x.id), ['q1', 'q3', 'q4']);
      assert.deepEqual(body.provenance.leftOut, [{ id: 'q2', status: 'unlabelled', reason }]);
    }
  }, garbled);
});
