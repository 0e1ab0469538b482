/**
 * CLIP text embeddings: texts → token ids (77 per text) → ONE inference run → one unit-length
 * Float32Array per text, in the same space as ClipImageEncoder's.
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { getModelSpec, modelRef, type ModelSpec, type TextPreprocessing } from '../registry';
import type { SessionPool } from '../sessions';
import { splitRows } from '../vectors';
import { ClipTokenizer, type TextTokenizer } from './tokenizer';

export const CLIP_TEXT_MODEL_ID = 'clip-vit-b32-text';

export class ClipTextEncoder {
  readonly spec: ModelSpec;
  private tokenizer: Promise<TextTokenizer> | undefined;

  /**
   * `tokenizer`: inject one (e.g. a library tokenizer); by default the model's own tokenizer.json
   * is read from its installed, checksum-verified folder.
   */
  constructor(
    private readonly sessions: SessionPool,
    modelId: string = CLIP_TEXT_MODEL_ID,
    tokenizer?: TextTokenizer,
  ) {
    this.spec = getModelSpec(modelId);
    if (this.spec.task !== 'text-embedding' || this.spec.preprocessing.kind !== 'text') {
      throw new Error(`${modelId} is not a text embedding model`);
    }
    if (tokenizer) this.tokenizer = Promise.resolve(tokenizer);
  }

  get ref(): string {
    return modelRef(this.spec);
  }

  get preprocessing(): TextPreprocessing {
    return this.spec.preprocessing as TextPreprocessing;
  }

  private async getTokenizer(): Promise<TextTokenizer> {
    this.tokenizer ??= (async () => {
      const session = await this.sessions.get(this.spec);
      const p = this.preprocessing;
      return ClipTokenizer.fromFile(session.installed.paths[p.tokenizerFile] ?? path.join(session.installed.folder, p.tokenizerFile), {
        maxLength: p.maxLength,
        bosToken: p.bosToken,
        eosToken: p.eosToken,
        padToken: p.padToken,
      });
    })().catch((err: unknown) => {
      this.tokenizer = undefined;
      throw err;
    });
    return this.tokenizer;
  }

  async embed(texts: readonly string[]): Promise<{ model: string; embeddings: Float32Array[] }> {
    if (texts.length === 0) throw new Error('embed needs at least one text');
    const session = await this.sessions.get(this.spec);
    const tokenizer = await this.getTokenizer();
    const len = this.preprocessing.maxLength;
    if (tokenizer.maxLength !== len) throw new Error(`tokenizer pads to ${tokenizer.maxLength}, the model takes ${len}`);
    const ids = new BigInt64Array(texts.length * len);
    const mask = new BigInt64Array(texts.length * len);
    texts.forEach((text, row) => {
      const enc = tokenizer.encode(text);
      for (let i = 0; i < len; i++) {
        ids[row * len + i] = BigInt(enc.ids[i]!);
        mask[row * len + i] = BigInt(enc.attentionMask[i]!);
      }
    });
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [texts.length, len]) };
    if (session.hasInput('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, [texts.length, len]);
    const out = await session.run(feeds);
    const output = this.spec.outputs[0]!;
    const t = out[output.name]!;
    const dim = this.spec.embeddingDim!;
    if (t.dims[0] !== texts.length || t.dims[1] !== dim) {
      throw new Error(`${this.ref}: ${output.name} came back as [${t.dims.join(',')}], expected [${texts.length},${dim}]`);
    }
    return { model: this.ref, embeddings: splitRows(t.data as Float32Array, texts.length, dim, true) };
  }
}
