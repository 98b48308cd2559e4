import { z } from 'zod';
import { msg, option, UserError } from '../errors.js';

// Router options arrive from `router train` flags as one record; each router type validates the
// keys it knows with zod and refuses the rest, naming the option, so `--hidden 64` on a logistic
// router is an error rather than silently ignored.

export function optionsOf<S extends z.ZodObject>(schema: S, options: Record<string, unknown>, router: string): z.infer<S> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const parsed = schema.strict().safeParse(defined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = (issue as { keys?: string[] }).keys;
    if (keys?.length) throw new UserError(msg`${option(keys[0]!)} does not apply to the ${router} router`);
    const key = String(issue.path[0] ?? '');
    throw new UserError(msg`${option(key)}: ${issue.message} (${router} router)`);
  }
  return parsed.data as z.infer<S>;
}

export function invalidState(error: z.ZodError | { path: string; message: string }): UserError {
  const { path, message } = error instanceof z.ZodError ? { path: error.issues[0]!.path.join('.'), message: error.issues[0]!.message } : error;
  return new UserError(`invalid router artifact: model.${path}: ${message}`);
}

/**
 * What a router fits. strong-wins: the 0/1 target. pairwise: the pair's outcome as a soft label
 * (strong better 1, tie 0.5, weak better 0), as RouteLLM's routers learn from battles. Calibration
 * and the reported metrics use the strong-wins target either way; pairwise ranks queries by the
 * expected quality gain of the strong model, which is what APGR rewards (on MMLU TF-IDF +
 * logistic, 5 folds: APGR 0.689 against 0.672).
 */
export const objectiveSchema = z.enum(['strong-wins', 'pairwise']).default('strong-wins');
export type Objective = z.infer<typeof objectiveSchema>;

/** The labels a router fits: 0/1, or soft pairwise labels in [0,1]. */
export function targetOf(data: { labels: Uint8Array; gain: Float32Array }, objective: Objective): ArrayLike<number> {
  return objective === 'pairwise' ? data.gain : data.labels;
}
