import { UserError } from '../errors.js';
import { multiKnnRouter } from './multi-knn.js';
import { multiLogisticRouter } from './multi-logistic.js';
import { multiMfRouter } from './multi-mf.js';
import { multiMlpRouter } from './multi-mlp.js';
import type { MultiRouterType } from './multi-router.js';

// N-model router types by name: the same names as the two-model types they generalise, so
// `--router knn` means knn whether the data is routed over a pair or over many models.
const ROUTERS: Record<string, MultiRouterType> = {
  logistic: multiLogisticRouter,
  knn: multiKnnRouter,
  mlp: multiMlpRouter,
  mf: multiMfRouter,
};

export function multiRouterNames(): string[] {
  return Object.keys(ROUTERS);
}

export function multiRouterType(name: string): MultiRouterType {
  const t = ROUTERS[name];
  if (!t) throw new UserError(`the ${name} router routes between two models only; over several models: ${multiRouterNames().join(', ')}`);
  return t;
}
