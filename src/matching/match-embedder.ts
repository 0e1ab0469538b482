/**
 * The text embedding matching uses: the sentence role's model (multilingual-e5-small-int8 by
 * default; LIGHTBOX_MODEL_ROLES) when it is installed, else the character n-gram TF-IDF hashing
 * embedding. Which one ran is part of every result (`method`, `embedding`), and each writes to its own collection, so vectors of the two
 * never mix.
 */
import type { Config } from '../config';
import { ModelUnavailableError } from '../models/errors';
import { resolveModelId } from '../models/registry';
import type { SessionPool } from '../models/sessions';
import { HASHING_METHOD, HashingEmbedder } from '../models/text/hashing-embedder';
import { SentenceEmbedder } from '../models/text/sentence-embedder';
import { inferenceBatchSize, inferenceSeconds } from '../telemetry/metrics';

export type MatchMethod = 'onnx' | typeof HASHING_METHOD;

export interface TextEmbedding {
  /** `id@version` of the model, or `char-ngram-tfidf@<dim>`: names the vector space. */
  embedding: string;
  method: MatchMethod;
  /** Why the fallback ran (e.g. MODEL_NOT_INSTALLED), when it did. */
  fallbackReason?: string;
  vectors: Float32Array[];
}

export interface MatchEmbedderOptions {
  model: string;
  useTestModels: boolean;
  /** Width of the hashing fallback; default HASHING_DEFAULT_DIM (tests use a smaller one). */
  hashingDim?: number;
}

export class MatchEmbedder {
  private readonly sentence: SentenceEmbedder;
  private readonly hashing: HashingEmbedder;
  /** The fallback embedding's identity: profiles it wrote live in its own collection. */
  readonly fallbackRef: string;

  constructor(sessions: SessionPool, options: MatchEmbedderOptions) {
    this.sentence = new SentenceEmbedder(sessions, resolveModelId(options.model, options.useTestModels));
    this.hashing = new HashingEmbedder(options.hashingDim);
    this.fallbackRef = this.hashing.ref;
  }

  /** Which embedding `embed` would use now (loads the model if it is installed). */
  async current(): Promise<Omit<TextEmbedding, 'vectors'>> {
    try {
      await this.sentence.load();
      return { embedding: this.sentence.ref, method: 'onnx' };
    } catch (err) {
      if (!(err instanceof ModelUnavailableError)) throw err;
      return { embedding: this.hashing.ref, method: HASHING_METHOD, fallbackReason: err.code };
    }
  }

  async embed(texts: readonly string[]): Promise<TextEmbedding> {
    try {
      const { model, embeddings } = await this.sentence.embed(texts);
      return { embedding: model, method: 'onnx', vectors: embeddings };
    } catch (err) {
      if (!(err instanceof ModelUnavailableError)) throw err;
      const stop = inferenceSeconds.startTimer({ model: this.hashing.ref, method: HASHING_METHOD });
      const vectors = this.hashing.embed(texts);
      stop();
      inferenceBatchSize.observe({ model: this.hashing.ref }, texts.length);
      return { embedding: this.hashing.ref, method: HASHING_METHOD, fallbackReason: err.code, vectors };
    }
  }
}

/** `model`: the sentence role's model (modelRolesFor). */
export function matchEmbedderFromConfig(sessions: SessionPool, matching: Config['matching'], model: string): MatchEmbedder {
  return new MatchEmbedder(sessions, { model, useTestModels: matching.useTestModels });
}
