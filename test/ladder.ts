// A labelled dataset over three models whose right model depends on the query's topic: `tiny`
// answers greetings, `mid` also answers billing, only `big` solves integrals; costs are recorded
// per call in RouterBench's layout. Shared by the N-model CLI tests and the serve tests.

const TOPICS = [
  { words: 'hello there, thanks for the quick reply', right: [1, 1, 1] },
  { words: 'my invoice was charged twice, please refund the billing error', right: [0, 1, 1] },
  { words: 'solve the integral of x squared times sine x over zero to pi', right: [0, 0, 1] },
] as const;
export const COST = [0.0001, 0.001, 0.01];

export function ladderCsv(rows = 240, withCosts = true): string {
  const models = ['tiny', 'mid', 'big'];
  const head = ['sample_id', 'prompt', 'topic', ...models, ...(withCosts ? models.map((m) => `${m}|total_cost`) : [])];
  const lines = [head.join(',')];
  for (let i = 0; i < rows; i++) {
    const t = TOPICS[i % 3]!;
    // One wrong answer in ten from each model, so no topic is perfectly separable.
    const q = t.right.map((r, m) => ((i * 7 + m * 3) % 10 === 0 ? 1 - r : r));
    lines.push([`s${i}`, `"${t.words} (case ${i})"`, ['greeting', 'billing', 'math'][i % 3], ...q.map((v) => v.toFixed(1)), ...(withCosts ? COST.map(String) : [])].join(','));
  }
  return lines.join('\n') + '\n';
}
