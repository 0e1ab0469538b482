/**
 * The clean-bot's default classifier: logistic-regression heads on multilingual-e5-small-int8
 * sentence vectors, trained by `npm run models:build` on the repo's own labelled Korean chat
 * lines (data/cleanbot/chat-lines.jsonl, train split only). No registry carries a Korean toxicity
 * model or data set; the e5 vectors already separate insults from clean lines, including insults
 * that contain no profanity word, which a word list cannot see.
 *
 * One graph, one Gemm: [batch, 384] unit vectors → [batch, 6] logits, a sigmoid per label. `toxic`
 * is the binary head (the score); the others name the kind of harm.
 */
import type { ModelSpec } from './spec';

export const CLEANBOT_HEAD_ID = 'cleanbot-e5-head';
export const CLEANBOT_LABELS = ['toxic', 'profanity', 'insult', 'harassment', 'sexual', 'threat'] as const;

export const CLEANBOT_E5_HEAD: ModelSpec = {
  id: CLEANBOT_HEAD_ID,
  version: '1',
  task: 'text-classification',
  runner: 'embedding-head',
  description:
    'Logistic-regression heads (toxic + 5 harm labels) on multilingual-e5-small-int8 vectors, trained at build time on data/cleanbot/chat-lines.jsonl',
  license: "the project's own (trained on data written for this repo)",
  files: [
    { name: 'model.onnx', sha256: null },
    // Training metrics (grouped cross-validation by theme, dev split), written by the trainer.
    { name: 'metrics.json', sha256: null },
  ],
  onnxFile: 'model.onnx',
  sources: { gcsPrefix: `${CLEANBOT_HEAD_ID}/1` },
  build: { recipe: CLEANBOT_HEAD_ID, packages: ['data/cleanbot/chat-lines.jsonl (this repo)', 'multilingual-e5-small-int8 (built first)'] },
  inputs: [{ name: 'embedding', dtype: 'float32', shape: ['batch', 384], description: 'unit-length e5 vector of `query: ` + the normalised text' }],
  outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', CLEANBOT_LABELS.length] }],
  preprocessing: { kind: 'embedding', embedder: 'multilingual-e5-small-int8' },
  classification: { labels: CLEANBOT_LABELS, activation: 'sigmoid', scoreLabel: 'toxic' },
  testTwin: `${CLEANBOT_HEAD_ID}-test`,
};
