import type { Hash } from '../artifacts/hash.js';

// The in-memory labelled dataset every reader produces and every command consumes.
// One row per query; each row holds outcomes for any number of models.

export interface ModelOutcome {
  /** Quality of this model's answer, in [0,1]: correctness, a normalised grade, or 1/0.5/0 from a verdict. */
  quality: number;
  response?: string;
  inputTokens?: number;
  outputTokens?: number;
  /** Dollars actually spent on this call, when known. */
  cost?: number;
  latencyMs?: number;
  /** The model's self-reported confidence in [0,1], used to simulate cascades. */
  confidence?: number;
  /** The judge's raw grade (1-10) when quality came from single-answer grading. */
  grade?: number;
}

export type VerdictWinner = 'a' | 'b' | 'tie' | 'unparseable';

export interface Verdict {
  judge: string;
  /** Model shown first and second to the judge. */
  a: string;
  b: string;
  winner: VerdictWinner;
}

export type MetaValue = string | number | boolean | null;

/** The training target as `router label` derived it for its pair: the strong answer is better. */
export interface PairLabel {
  weak: string;
  strong: string;
  strongBetter: boolean;
}

export interface DatasetRow {
  id: string;
  query: string;
  models: Record<string, ModelOutcome>;
  verdicts?: Verdict[];
  /** Columns we do not interpret, kept for slicing (for example a subject). */
  meta?: Record<string, MetaValue>;
  label?: PairLabel;
}

export interface ModelPrice {
  /** Dollars per million input tokens. */
  inputPerMTok?: number;
  /** Dollars per million output tokens. */
  outputPerMTok?: number;
  /** Dollars per call, for data without token counts. */
  perCall?: number;
}

export interface ModelInfo {
  id: string;
  price?: ModelPrice;
}

export interface DatasetSource {
  /** Path as given by the user (file or folder). */
  path: string;
  /** sha256 of the input bytes (folders: of the sorted file hashes), used for lineage. */
  hash: Hash;
  format: DatasetFormat;
  /** True when the file is a dataset artifact (envelope header), so `hash` is its content hash. */
  isArtifact: boolean;
}

export type DatasetFormat = 'jsonl' | 'correctness' | 'grades' | 'battles';

export interface Dataset {
  source: DatasetSource;
  /** Every model that appears in the rows, in a stable order, with prices when known. */
  models: ModelInfo[];
  /** The pair the dataset was made for, when it says so (labelled datasets from `router label` do). */
  defaultPair?: { weak: string; strong: string };
  description?: string;
  rows: DatasetRow[];
  /** What the reader left out (files of a folder it does not read), for the command to print. */
  notes?: string[];
}
