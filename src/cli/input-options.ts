import { Option, type Command } from 'commander';
import { ENCODINGS, type Encoding } from '../text-file.js';
import type { ReadOptions } from '../data/read-dataset.js';
import { gradeScale, list } from './parse.js';

/** Flags that say how to read a dataset; train and eval share them so one column mapping serves both. */
export function addInputOptions(cmd: Command): Command {
  return cmd
    .addOption(encodingOption())
    .addOption(new Option('--format <format>', 'input format').choices(['auto', 'jsonl', 'correctness', 'grades', 'battles']).default('auto'))
    .option('--query-col <name>', 'column holding the query (default: query, prompt, question, input or text)')
    .option('--id-col <name>', 'column holding a unique id (default: id or sample_id when present, else FILE:ROW)')
    .option('--models <cols>', 'model columns of a correctness or grades CSV, comma-separated', list)
    .option('--meta <cols>', 'columns to keep as metadata instead of models, comma-separated', list)
    .option('--grade-scale <min:max>', 'range of raw grades, normalised to [0,1], e.g. 1:10', gradeScale)
    .option('--model-a-col <name>', 'battles: column naming the first model', 'model_a')
    .option('--model-b-col <name>', 'battles: column naming the second model', 'model_b')
    .option('--winner-col <name>', 'battles: column holding model_a, model_b or tie', 'winner');
}

export interface InputFlags {
  format: string;
  queryCol?: string;
  idCol?: string;
  models?: string[];
  meta?: string[];
  gradeScale?: [number, number];
  modelACol: string;
  modelBCol: string;
  winnerCol: string;
  encoding: Encoding;
  artifacts: string;
}

/** Undecodable bytes are an error naming the byte; this is the way to read a Latin-1 export instead. */
export function encodingOption(): Option {
  return new Option('--encoding <name>', 'how CSV bytes are decoded (JSON is always UTF-8); latin1 reads Latin-1 (Windows-1252) exports').choices(ENCODINGS).default('utf8');
}

export function readOptions(f: InputFlags): ReadOptions {
  return {
    format: f.format as ReadOptions['format'],
    queryCol: f.queryCol,
    idCol: f.idCol,
    models: f.models,
    meta: f.meta,
    gradeScale: f.gradeScale,
    modelACol: f.modelACol,
    modelBCol: f.modelBCol,
    winnerCol: f.winnerCol,
    root: f.artifacts,
    encoding: f.encoding,
  };
}
