/**
 * Sequence classification with a BERT-family model (KcELECTRA-small toxicity): texts → one run →
 * logits [N, labels] → softmax or sigmoid per the registry's head → per-label scores and one
 * toxicity score per text (1 − P(clean) for a softmax head with a clean label, else the highest
 * non-clean label's probability).
 */
import { softmax } from '../vectors';
import type { ClassificationHead, ModelSpec } from '../registry';
import type { SessionPool } from '../sessions';
import { BertFamilyModel } from './bert-model';

export const TOXICITY_MODEL_ID = 'kcelectra-small-toxicity';

export interface TextClassification {
  /** Probability per label, in the head's label order. */
  scores: Record<string, number>;
  /** How likely the text is not clean, 0..1. */
  score: number;
  /** True when the text was cut at the model's max length before scoring. */
  truncated: boolean;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** What a caller needs of a classifier, in this thread or in an inference thread. */
export interface Classifier {
  readonly ref: string;
  readonly head: ClassificationHead;
  classify(texts: readonly string[]): Promise<TextClassification[]>;
}

/** The registry's head with the labels renamed as configured (the count must match the logits). */
export function classificationHead(spec: ModelSpec, labels?: readonly string[]): ClassificationHead {
  const head = spec.classification;
  if (!head) throw new Error(`${spec.id} has no classification head in the registry`);
  if (labels && labels.length !== head.labels.length) {
    throw new Error(`${spec.id} has ${head.labels.length} labels (${head.labels.join(', ')}); ${labels.length} names were configured`);
  }
  const cleanLabel = labels && head.cleanLabel ? labels[head.labels.indexOf(head.cleanLabel)] : head.cleanLabel;
  return { ...head, labels: labels ?? head.labels, ...(cleanLabel !== undefined ? { cleanLabel } : {}) };
}

export class TextClassifier implements Classifier {
  private readonly model: BertFamilyModel;
  readonly head: ClassificationHead;

  /** `labels`: rename the head's labels (same count). */
  constructor(sessions: SessionPool, modelId: string = TOXICITY_MODEL_ID, labels?: readonly string[]) {
    this.model = new BertFamilyModel(sessions, modelId, 'text-classification');
    this.head = classificationHead(this.model.spec, labels);
  }

  get ref(): string {
    return this.model.ref;
  }

  get maxLength(): number {
    return this.model.preprocessing.maxLength;
  }

  async load(): Promise<void> {
    await this.model.getTokenizer();
  }

  async classify(texts: readonly string[]): Promise<TextClassification[]> {
    const { batch, out } = await this.model.run(texts);
    const output = this.model.spec.outputs[0]!;
    const t = out[output.name]!;
    const width = this.head.labels.length;
    if (t.dims[0] !== batch.rows || t.dims[1] !== width) {
      throw new Error(`${this.ref}: ${output.name} came back as [${t.dims.join(',')}], expected [${batch.rows},${width}]`);
    }
    const logits = t.data as Float32Array;
    return texts.map((_, r) => {
      const row = Array.from(logits.subarray(r * width, (r + 1) * width));
      const probs = this.head.activation === 'softmax' ? softmax(row) : row.map(sigmoid);
      const scores = Object.fromEntries(this.head.labels.map((l, i) => [l, probs[i]!]));
      const clean = this.head.cleanLabel;
      const score =
        clean !== undefined && this.head.activation === 'softmax'
          ? 1 - scores[clean]!
          : Math.max(0, ...this.head.labels.filter((l) => l !== clean).map((l) => scores[l]!));
      return { scores, score, truncated: batch.truncated[r]! };
    });
  }
}
