/**
 * Lookup over the whole model catalogue: the models `models:build` makes (catalogue/built.ts),
 * the pulled upgrades (catalogue/production.ts), their test twins and the bench models. The
 * contract types live in catalogue/spec.ts.
 */
import { BENCH_MODELS } from './catalogue/bench';
import { BUILT_MODELS } from './catalogue/built';
import { PRODUCTION_MODELS } from './catalogue/production';
import type { ModelSpec } from './catalogue/spec';
import { TEST_MODELS } from './catalogue/test-twins';

export type * from './catalogue/spec';

const BY_ID = new Map<string, ModelSpec>([...BUILT_MODELS, ...PRODUCTION_MODELS, ...TEST_MODELS, ...BENCH_MODELS].map((s) => [s.id, s]));

export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
  readonly code = 'UNKNOWN_MODEL';
}

export function getModelSpec(id: string): ModelSpec {
  const spec = BY_ID.get(id);
  if (!spec) {
    throw new UnknownModelError(`Unknown model "${id}". Known: ${[...BY_ID.keys()].join(', ')}`);
  }
  return spec;
}

export function listModels(): ModelSpec[] {
  return [...BY_ID.values()];
}

/** `id@version`: what results record and caches key on. */
export function modelRef(spec: Pick<ModelSpec, 'id' | 'version'>): string {
  return `${spec.id}@${spec.version}`;
}

/** The test twin's id when `useTestModels`, else the id itself: one switch for a whole process. */
export function resolveModelId(id: string, useTestModels: boolean): string {
  if (!useTestModels) return id;
  const spec = getModelSpec(id);
  return spec.twinOf ? spec.id : (spec.testTwin ?? spec.id);
}
