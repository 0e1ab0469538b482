/**
 * The shared model module: registry, verified store, per-process sessions, and the models that
 * use them. Callers catch ModelUnavailableError to fall back to a classic method and say so.
 */
import type { Config } from '../config';
import { SessionPool, type SessionSettings } from './sessions';
import { ModelStore } from './store';

export * from './errors';
export * from './registry';
export * from './store';
export * from './sessions';
export * from './vectors';
export { ClipImageEncoder } from './clip/image-encoder';
export { ClipTextEncoder } from './clip/text-encoder';
export { ZeroShotClassifier, DEFAULT_LABELS, type ZeroShotLabel } from './clip/zero-shot';
export { YuNetDetector } from './face/yunet';
export { ArcFaceEmbedder } from './face/arcface';

/**
 * One operator at a time, idle threads asleep: these graphs are chains with little to run side by
 * side, and a worker shares its cores with the decoder children and the other activities.
 */
export const SEQUENTIAL_SESSIONS: Pick<SessionSettings, 'interOpThreads' | 'allowSpinning'> = { interOpThreads: 1, allowSpinning: false };

export interface ModelRuntime {
  store: ModelStore;
  sessions: SessionPool;
}

/** The store and session pool a worker process shares across all its activities. */
export function createModelRuntime(
  models: Pick<Config['models'], 'dir' | 'intraOpThreads'>,
  extra: Pick<SessionSettings, 'executionProviders'> = {},
): ModelRuntime {
  const store = new ModelStore({ dir: models.dir });
  const sessions = new SessionPool(store, {
    ...(models.intraOpThreads !== undefined ? { intraOpThreads: models.intraOpThreads } : {}),
    ...SEQUENTIAL_SESSIONS,
    ...extra,
  });
  return { store, sessions };
}
