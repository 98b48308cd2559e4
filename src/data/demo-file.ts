import { renderDataset } from '../artifacts/store.js';
import { generateDemoSupport } from './demo-support.js';
import type { DatasetBody } from '../artifacts/bodies/dataset.js';

export const DEMO_DATASET_PATH = 'datasets/demo-support.jsonl';

/** A fixed creation time keeps the committed file byte-stable across regenerations. */
const GENERATED_AT = new Date('2026-01-01T00:00:00.000Z');

/** The bundled demo dataset exactly as committed: the generator's rows inside a dataset artifact. */
export function demoDatasetFile(): ReturnType<typeof renderDataset<DatasetBody>> {
  const demo = generateDemoSupport();
  const body: DatasetBody = {
    description: demo.description,
    models: demo.models,
    defaultPair: demo.defaultPair,
    rowCount: demo.rows.length,
  };
  return renderDataset(body, demo.rows, [], { now: GENERATED_AT, name: 'demo-support', version: 1 });
}
