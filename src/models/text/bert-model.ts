/**
 * What the sentence embedder and the classifier share: a registry spec with WordPiece input, its
 * session, and its tokenizer read from the installed (checksum-verified) model folder.
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { inferenceBatchSize, inferenceSeconds } from '../../telemetry/metrics';
import { getModelSpec, modelRef, type ModelSpec, type ModelTask, type WordPiecePreprocessing } from '../registry';
import type { Fetches, ModelSession, SessionPool } from '../sessions';
import { WordPieceTokenizer, type TokenizedBatch } from './wordpiece-tokenizer';

export class BertFamilyModel {
  readonly spec: ModelSpec;
  private tokenizer: Promise<WordPieceTokenizer> | undefined;

  constructor(
    private readonly sessions: SessionPool,
    modelId: string,
    task: ModelTask,
  ) {
    this.spec = getModelSpec(modelId);
    if (this.spec.task !== task || this.spec.preprocessing.kind !== 'wordpiece') {
      throw new Error(`${modelId} is not a ${task} model with WordPiece input`);
    }
  }

  get ref(): string {
    return modelRef(this.spec);
  }

  get preprocessing(): WordPiecePreprocessing {
    return this.spec.preprocessing as WordPiecePreprocessing;
  }

  session(): Promise<ModelSession> {
    return this.sessions.get(this.spec);
  }

  getTokenizer(): Promise<WordPieceTokenizer> {
    this.tokenizer ??= (async () => {
      const session = await this.session();
      const p = this.preprocessing;
      return WordPieceTokenizer.fromFile(session.installed.paths[p.tokenizerFile] ?? path.join(session.installed.folder, p.tokenizerFile), p);
    })().catch((err: unknown) => {
      this.tokenizer = undefined;
      throw err;
    });
    return this.tokenizer;
  }

  /** Tokenises `texts` into one batch and runs it once; records time and batch size. */
  async run(texts: readonly string[]): Promise<{ batch: TokenizedBatch; out: Fetches }> {
    const session = await this.session();
    const batch = (await this.getTokenizer()).encodeBatch(texts);
    const dims = [batch.rows, batch.sequence];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', batch.inputIds, dims),
      attention_mask: new ort.Tensor('int64', batch.attentionMask, dims),
    };
    if (session.hasInput('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', batch.tokenTypeIds, dims);
    const stop = inferenceSeconds.startTimer({ model: this.ref, method: 'onnx' });
    const out = await session.run(feeds);
    stop();
    inferenceBatchSize.observe({ model: this.ref }, batch.rows);
    return { batch, out };
  }
}
