/**
 * Sentence embeddings with a BERT-family encoder (multilingual-e5-small, ko-sbert-nli): texts
 * (with the model's prefix, e5's `query: `) → one run →
 * last_hidden_state [N, seq, dim] → mean over the attention mask (sentence-transformers' pooling
 * for both models) → unit length, so a dot product is the cosine similarity.
 */
import { l2Normalize } from '../../vectors/math';
import type { SessionPool } from '../sessions';
import { BertFamilyModel } from './bert-model';

export const SENTENCE_MODEL_ID = 'ko-sbert-nli';

export interface SentenceEmbeddings {
  /** `id@version` of the model. */
  model: string;
  embeddings: Float32Array[];
  truncated: boolean[];
}

export class SentenceEmbedder {
  private readonly model: BertFamilyModel;

  constructor(sessions: SessionPool, modelId: string = SENTENCE_MODEL_ID) {
    this.model = new BertFamilyModel(sessions, modelId, 'sentence-embedding');
    if (!this.model.spec.embeddingDim) throw new Error(`${modelId} has no embeddingDim`);
  }

  get ref(): string {
    return this.model.ref;
  }

  get dim(): number {
    return this.model.spec.embeddingDim!;
  }

  /** Loads the session and tokenizer now (a missing model throws ModelUnavailableError here). */
  async load(): Promise<void> {
    await this.model.getTokenizer();
  }

  async embed(texts: readonly string[]): Promise<SentenceEmbeddings> {
    const { batch, out } = await this.model.run(texts);
    const output = this.model.spec.outputs[0]!;
    const t = out[output.name]!;
    const dim = this.dim;
    if (t.dims[0] !== batch.rows || t.dims[1] !== batch.sequence || t.dims[2] !== dim) {
      throw new Error(`${this.ref}: ${output.name} came back as [${t.dims.join(',')}], expected [${batch.rows},${batch.sequence},${dim}]`);
    }
    const states = t.data as Float32Array;
    const embeddings: Float32Array[] = [];
    for (let r = 0; r < batch.rows; r++) {
      const sum = new Float32Array(dim);
      let count = 0;
      for (let s = 0; s < batch.sequence; s++) {
        if (batch.attentionMask[r * batch.sequence + s] === 0n) continue;
        count++;
        const base = (r * batch.sequence + s) * dim;
        for (let d = 0; d < dim; d++) sum[d]! += states[base + d]!;
      }
      for (let d = 0; d < dim; d++) sum[d]! /= Math.max(count, 1);
      embeddings.push(l2Normalize(sum));
    }
    return { model: this.ref, embeddings, truncated: batch.truncated };
  }
}
