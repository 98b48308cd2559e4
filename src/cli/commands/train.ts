import { basename, extname, join } from 'node:path';
import { datasetLineage, readDataset } from '../../data/read-dataset.js';
import { choosePair, leftOutNote } from '../../data/pair.js';
import { checkName, writeJsonArtifact } from '../../artifacts/store.js';
import { readTextFile } from '../../text-file.js';
import type { LineageRef } from '../../artifacts/envelope.js';
import type { CalibrationMethod } from '../../routers/calibration.js';
import { trainRouter } from '../../routers/train.js';
import { readOptions, type InputFlags } from '../input-options.js';
import { defaultCacheDir } from '../../routers/load.js';
import { note, out, printJson, readNote, versionOf } from '../output.js';
import { withProgress } from '../../ui/progress.js';
import { renderTraining } from '../../ui/render-train.js';

interface TrainFlags extends InputFlags {
  name?: string;
  router: string;
  embedder?: string;
  weak?: string;
  strong?: string;
  holdout: number | false;
  seed: number;
  validation: number;
  folds?: number;
  calibration: CalibrationMethod;
  targetGap: number;
  c?: number | 'auto';
  hidden?: number;
  epochs?: number;
  k?: number;
  dim?: number;
  routes?: string;
  objective?: string;
  cacheDir?: string;
  cache: boolean;
  json?: boolean;
}

export function defaultName(ref: string): string {
  const stem = basename(ref.replace(/[\\/]+$/, ''), extname(ref)).replace(/@.*$/, '');
  return stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'router';
}

export async function train(data: string, flags: TrainFlags): Promise<void> {
  // Checked before the fit, which can take minutes: the name (also one made from the file name) and the routes file.
  const name = checkName(flags.name ?? defaultName(data));
  const routes = flags.routes !== undefined ? readTextFile(flags.routes) : undefined;
  const dataset = readDataset(data, readOptions(flags));
  if (dataset.source.isArtifact && versionOf(dataset.source.path)) readNote('dataset', dataset.source.path);
  const pair = choosePair(dataset, { weak: flags.weak, strong: flags.strong });
  for (const n of [...(dataset.notes ?? []), leftOutNote(dataset.rows, pair)]) if (n) note(`note: ${n}`);
  const cacheDir = flags.cache ? join(flags.cacheDir ?? defaultCacheDir(), 'embeddings') : null;
  const trained = await withProgress(`training a router (${flags.router})`, (progress) =>
    trainRouter({
      dataset,
      pair,
      router: flags.router,
      embedder: flags.embedder,
      seed: flags.seed,
      split: flags.holdout === false ? null : { seed: flags.seed, holdout: flags.holdout },
      tuning: flags.folds !== undefined ? { method: 'folds', folds: flags.folds } : { method: 'split', share: flags.validation },
      calibration: flags.calibration,
      targetGap: flags.targetGap,
      options: { c: flags.c, hidden: flags.hidden, epochs: flags.epochs, k: flags.k, dim: flags.dim, routes: flags.routes, objective: flags.objective },
      features: { cacheDir, env: process.env, onProgress: (what, done, total) => progress.embed(what, done, total) },
      onStage: (s) => progress.stage(s),
    }),
  );
  const { router, body } = trained;
  const lineage: LineageRef[] = [datasetLineage(dataset, 'train')];
  if (flags.routes && routes !== undefined) lineage.push({ kind: 'file', hash: routes.hash, path: flags.routes, role: 'routes' });
  const written = writeJsonArtifact('router', body, lineage, { root: flags.artifacts, name });
  const embedderDescription = router.featurizer.describe();
  if (flags.json) {
    // The weights and the vocabulary are in the file; the summary is what a script wants.
    printJson({ path: written.path, ...written.envelope, body: { ...body, model: undefined, embedder: { spec: body.embedder.spec, layout: body.embedder.layout, description: embedderDescription } } });
  } else {
    out(renderTraining({ ...body, embedderDescription, seconds: trained.seconds }, written.path, written.envelope.contentHash, pair.chosenBy, written.reused === true));
  }
  if (body.training.tuning === null && flags.holdout !== false) note('note: too few training rows to tune; no calibration, default threshold 0.5');
}
