import { z } from 'zod';
import { UserError } from '../errors.js';
import { ENCODINGS } from '../text-file.js';

// Command options as the library takes them (camelCase names, typed values), validated once by a
// schema. The CLI's parsers (parse.ts) have already checked what came from argv; the schemas check
// what a script passes, and name the flag a CLI user would recognise.

/** Options whose flag is not `--` plus the kebab-case name; everything else follows the rule. */
const FLAG_EXCEPTIONS: Record<string, string> = {
  c: '-C',
  output: '-o',
  concurrency: '-j',
  data: '<data>',
  queries: '<queries>',
  cache: '--no-cache',
};

/** The flag of an option, for messages: `targetShare` is `--target-share`. */
export function flagOf(option: string): string {
  return FLAG_EXCEPTIONS[option] ?? `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Validates `value` against `schema`; the first problem is a UserError naming the option's flag. */
export function validateOptions<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const option = issue.path.find((p): p is string => typeof p === 'string');
  const message = issue.code === 'unrecognized_keys' ? `unknown option ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
  throw new UserError(option !== undefined ? `${flagOf(option)}: ${message}` : message);
}

export const shareSchema = z.number({ message: 'expected a share in [0,1], e.g. 0.2 or 20%' }).min(0, 'expected a share in [0,1], e.g. 0.2 or 20%').max(1, 'expected a share in [0,1], e.g. 0.2 or 20%');
export const openShareSchema = z.number({ message: 'expected a share strictly between 0 and 1' }).gt(0, 'expected a share strictly between 0 and 1').lt(1, 'expected a share strictly between 0 and 1');
export const positiveSchema = z.number({ message: 'expected a positive number' }).gt(0, 'expected a positive number').finite('expected a positive number');
export const nonNegativeSchema = z.number({ message: 'expected a number >= 0' }).min(0, 'expected a number >= 0').finite('expected a number >= 0');
export const integerSchema = z.number({ message: 'expected an integer' }).int('expected an integer');
export const nonNegativeIntegerSchema = z.number({ message: 'expected an integer >= 0' }).int('expected an integer >= 0').min(0, 'expected an integer >= 0');
export const positiveIntegerSchema = z.number({ message: 'expected a whole number >= 1' }).int('expected a whole number >= 1').min(1, 'expected a whole number >= 1');
export const positiveOrAutoSchema = z.custom<number | 'auto'>((v) => v === 'auto' || (typeof v === 'number' && Number.isFinite(v) && v > 0), { message: 'expected a positive number or "auto"' });
export const nameSchema = z.string({ message: 'expected a text' });
export const encodingSchema = z.enum(ENCODINGS, { message: `expected one of ${ENCODINGS.join(', ')}` });
export const namesSchema = z.array(z.string(), { message: 'expected a list of column names' });

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { message: `expected one of ${values.join(', ')}` });
}

/** How a dataset is read: train and eval share these, as they share the flags (input-options.ts). */
export const inputShape = {
  artifacts: nameSchema.default('artifacts'),
  format: oneOf(['auto', 'jsonl', 'correctness', 'grades', 'battles']).default('auto'),
  queryCol: nameSchema.optional(),
  idCol: nameSchema.optional(),
  models: namesSchema.optional(),
  meta: namesSchema.optional(),
  gradeScale: z
    .tuple([z.number(), z.number()], { message: 'expected [min, max]' })
    .refine(([lo, hi]) => Number.isFinite(lo) && Number.isFinite(hi) && hi > lo, 'expected MIN:MAX with MIN < MAX, e.g. 1:10')
    .optional(),
  modelACol: nameSchema.default('model_a'),
  modelBCol: nameSchema.default('model_b'),
  winnerCol: nameSchema.default('winner'),
  encoding: encodingSchema.default('utf8'),
};
export const foldsSchema = z.number({ message: 'expected a whole number >= 2' }).int('expected a whole number >= 2').min(2, 'expected a whole number >= 2');
