/**
 * A classifier that is a head on a sentence embedder's vectors (the clean-bot's e5 head): texts →
 * one embedder run → [N, dim] → one head run → per-label sigmoid. The score is the mean of the
 * `scoreLabel` probability (the binary head) and the likeliest kind of harm: the trainer compares
 * that rule with the binary head alone and with their max on the same leave-one-theme-out
 * predictions (metrics.json), where it tied the max on F1 with 5 points more precision and beat
 * the binary head alone; two heads that agree are surer than one. Either model missing throws the same ModelUnavailableError as any
 * model, so the moderator falls back to the lexicon and says why.
 */
import * as ort from 'onnxruntime-node';
import { inferenceBatchSize, inferenceSeconds } from '../../telemetry/metrics';
import { getModelSpec, modelRef, type ClassificationHead, type ModelSpec } from '../registry';
import type { SessionPool } from '../sessions';
import { SentenceEmbedder } from './sentence-embedder';
import { classificationHead, type Classifier, type TextClassification } from './text-classifier';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export class EmbeddingHeadClassifier implements Classifier {
  readonly spec: ModelSpec;
  readonly head: ClassificationHead;
  readonly embedder: SentenceEmbedder;

  constructor(
    private readonly sessions: SessionPool,
    modelId: string,
  ) {
    this.spec = getModelSpec(modelId);
    if (this.spec.preprocessing.kind !== 'embedding') throw new Error(`${modelId} is not a head on sentence vectors`);
    this.head = classificationHead(this.spec);
    if (this.head.activation !== 'sigmoid' || !this.head.scoreLabel) throw new Error(`${modelId}: an embedding head needs sigmoid labels and a scoreLabel`);
    this.embedder = new SentenceEmbedder(sessions, this.spec.preprocessing.embedder);
  }

  get ref(): string {
    return modelRef(this.spec);
  }

  async load(): Promise<void> {
    await this.embedder.load();
    await this.sessions.get(this.spec);
  }

  async classify(texts: readonly string[]): Promise<TextClassification[]> {
    const session = await this.sessions.get(this.spec);
    const { embeddings, truncated } = await this.embedder.embed(texts);
    const dim = this.embedder.dim;
    const x = new Float32Array(texts.length * dim);
    embeddings.forEach((e, r) => x.set(e, r * dim));
    const stop = inferenceSeconds.startTimer({ model: this.ref, method: 'onnx' });
    const out = await session.run({ [this.spec.inputs[0]!.name]: new ort.Tensor('float32', x, [texts.length, dim]) });
    stop();
    inferenceBatchSize.observe({ model: this.ref }, texts.length);
    const logits = out[this.spec.outputs[0]!.name]!.data as Float32Array;
    const { labels, scoreLabel } = this.head;
    return texts.map((_, r) => {
      const scores = Object.fromEntries(labels.map((l, i) => [l, sigmoid(logits[r * labels.length + i]!)]));
      const harm = Math.max(...labels.filter((l) => l !== scoreLabel).map((l) => scores[l]!));
      return { scores, score: (scores[scoreLabel!]! + harm) / 2, truncated: truncated[r]! };
    });
  }
}
