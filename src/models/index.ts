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
export { ClipImageEncoder, CLIP_IMAGE_MODEL_ID } from './clip/image-encoder';
export { ClipTextEncoder, CLIP_TEXT_MODEL_ID } from './clip/text-encoder';
export { ClipTokenizer, type TextTokenizer, type EncodedText } from './clip/tokenizer';
export { ZeroShotClassifier, DEFAULT_LABELS, type ZeroShotLabel, type LabelScore } from './clip/zero-shot';
export { preprocessClipImage, clipImageBatch, ImagePreprocessError } from './clip/preprocess';
export { YuNetDetector, decodeYuNet, nms, iou, type FaceDetection } from './face/yunet';
export { ArcFaceEmbedder, ARCFACE_MODEL_ID } from './face/arcface';
export { alignFace, decodeRgb, estimateSimilarity, ARCFACE_TEMPLATE_112 } from './face/align';
export { MicroBatcher, type MicroBatcherOptions } from './micro-batcher';
export { WordPieceTokenizer, type TokenizedBatch } from './text/wordpiece-tokenizer';
export { SentenceEmbedder, SENTENCE_MODEL_ID } from './text/sentence-embedder';
export { TextClassifier, TOXICITY_MODEL_ID, classificationHead, type Classifier, type TextClassification } from './text/text-classifier';
export { ThreadedTextClassifier } from './text/classifier-thread';
export { HashingEmbedder, HASHING_METHOD, textDigest } from './text/hashing-embedder';
export { normalizeChatText } from './text/korean-normalize';
export { ProfanityLexicon } from './text/profanity-lexicon';

export interface ModelRuntime {
  store: ModelStore;
  sessions: SessionPool;
}

/** The store and session pool a worker process shares across all its activities. */
export function createModelRuntime(
  models: Pick<Config['models'], 'dir' | 'intraOpThreads' | 'interOpThreads'> & { allowSpinning?: boolean },
  extra: Pick<SessionSettings, 'executionProviders'> = {},
): ModelRuntime {
  const store = new ModelStore({ dir: models.dir });
  const sessions = new SessionPool(store, {
    ...(models.intraOpThreads !== undefined ? { intraOpThreads: models.intraOpThreads } : {}),
    interOpThreads: models.interOpThreads,
    allowSpinning: models.allowSpinning ?? false,
    ...extra,
  });
  return { store, sessions };
}
