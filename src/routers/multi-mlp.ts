import { z } from 'zod';
import { packedFloatsSchema as packed, packFloats, unpackFloats } from '../artifacts/arrays.js';
import type { Features } from '../embed/features.js';
import { fitMlp, mlpLogits, mlpOptionsSchema, type MlpWeights } from './mlp.js';
import { baseLogits, sigmoidOutputs, type MultiHead, type MultiRouterType } from './multi-router.js';
import { invalidState, optionsOf } from './options.js';

// The two-model mlp's network (one hidden ReLU layer on frozen embeddings, tfjs, early stopping on
// the validation loss, the refit running the early-stopped epoch count) with one sigmoid output per
// model, trained with cross-entropy against each model's quality. The models share the hidden
// layer, so what one model's outcomes teach about a query helps predict the others. Unweighted
// classes, unlike the two-model mlp: the outputs are compared across models and against costs, so
// they must stay calibrated probabilities.

// The objective (strong wins or the pair's outcome) is a two-model notion: the outputs are qualities.
const optionsSchema = mlpOptionsSchema.omit({ objective: true });

/** The two-model mlp's `hidden` and `epochs` ('auto': early stopping on the tuning fold): one candidate, nothing to tune. */
export type MultiMlpOptions = z.infer<typeof optionsSchema>;

const stateSchema = z.object({
  inputs: z.number().int().positive(),
  hidden: z.number().int().positive(),
  outputs: z.number().int().positive(),
  epochs: z.number().int().positive(),
  engine: z.string(),
  w1: packed,
  b1: packed,
  w2: packed,
  b2: packed,
});

type Fitted = { inputs: number; hidden: number; epochs: number; engine: string } & MlpWeights;

class MultiMlpHead implements MultiHead<MultiMlpOptions> {
  constructor(
    private readonly s: Fitted,
    readonly refit?: Partial<MultiMlpOptions>,
  ) {}

  predict(x: Features): Float64Array[] {
    return sigmoidOutputs(x, { router: 'mlp', inputs: this.s.inputs, models: this.s.b2.length }, (dense, out) => mlpLogits(dense, this.s, out));
  }

  state(): z.infer<typeof stateSchema> {
    const s = this.s;
    return { inputs: s.inputs, hidden: s.hidden, outputs: s.b2.length, epochs: s.epochs, engine: s.engine, w1: packFloats(s.w1), b1: packFloats(s.b1), w2: packFloats(s.w2), b2: packFloats(s.b2) };
  }
}

export const multiMlpRouter: MultiRouterType<MultiMlpOptions, MultiMlpOptions> = {
  description: "MLP head (one hidden layer) on frozen embeddings with one output per model's quality, tfjs, early stopping on validation data (--hidden, --epochs)",
  layout: 'dense',
  options: (raw) => optionsOf(optionsSchema, raw, 'mlp'),
  grid: (options) => [options],
  async train({ train, validation, seed }, options) {
    if (train.x.kind !== 'dense') throw new RangeError('mlp router needs dense features');
    const fixedEpochs = options.epochs === 'auto' ? null : options.epochs;
    const { weights, epochs, engine } = await fitMlp({
      x: train.x.x,
      targets: train.quality,
      hidden: options.hidden,
      a: 1,
      b: 1,
      epochs: fixedEpochs,
      validation: validation && validation.x.kind === 'dense' ? { x: validation.x.x, targets: validation.quality } : null,
      seed,
      bias: baseLogits(train.quality),
    });
    return new MultiMlpHead({ inputs: train.x.x.cols, hidden: options.hidden, epochs, engine, ...weights }, fixedEpochs === null ? { epochs } : undefined);
  },
  load(raw, models) {
    const p = stateSchema.safeParse(raw);
    if (!p.success) throw invalidState(p.error);
    const s = p.data;
    if (s.outputs !== models.length) throw invalidState({ path: 'outputs', message: `${s.outputs} outputs for ${models.length} models` });
    const w = { w1: unpackFloats(s.w1), b1: unpackFloats(s.b1), w2: unpackFloats(s.w2), b2: unpackFloats(s.b2) };
    if (w.w1.length !== s.inputs * s.hidden || w.b1.length !== s.hidden || w.w2.length !== s.hidden * s.outputs || w.b2.length !== s.outputs) {
      throw invalidState({ path: 'w1', message: 'weights do not match inputs x hidden x outputs' });
    }
    return new MultiMlpHead({ inputs: s.inputs, hidden: s.hidden, epochs: s.epochs, engine: s.engine, ...w });
  },
};
