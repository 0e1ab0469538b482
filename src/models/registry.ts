/**
 * Every ONNX model Lightbox can run, with the contract the code relies on: files and checksums,
 * where to fetch them, input/output names, dtypes and shapes, and the preprocessing the model was
 * trained with. One entry per model *version*: results record `id@version`, and caches key on it,
 * so a changed file must come with a new version.
 *
 * Every production model has a test twin (`testTwin`): a tiny model that
 * scripts/make-test-models.py generates with exactly the same inputs, outputs and preprocessing,
 * committed under test/fixtures/models/, so every ONNX code path runs in tests without weights.
 *
 * Checksums: `sha256: null` means nobody on this project has verified the upstream file yet. We do
 * not copy hashes from third parties into this file. `npm run models:pull` checks a download
 * against the host's own content hash where it gives one (Hugging Face's X-Linked-Etag for LFS
 * files, a `sha256` metadata field on GCS objects), records the result in models.lock.json in the
 * models dir, and the store verifies every file against that lock from then on. Once a hash is
 * confirmed, put it here so a tampered mirror can never be trusted on first use.
 */

/** A fixed size, or a symbolic one (the batch) that the model accepts at any size. */
export type Dim = number | string;

export type TensorDType = 'float32' | 'int64' | 'int32' | 'uint8';

export interface TensorSpec {
  name: string;
  dtype: TensorDType;
  shape: readonly Dim[];
  /** Fed only if the installed model declares it (exports differ, e.g. attention_mask). */
  optional?: boolean;
  description?: string;
}

export interface ModelFile {
  /** File name inside the model's folder in the models dir. */
  name: string;
  /** Hex sha256 of the exact file, when verified by this project; else from models.lock.json. */
  sha256: string | null;
  sizeBytes?: number;
  /** Path inside the Hugging Face repo, when it differs from `name` (e.g. onnx/vision_model.onnx). */
  hfPath?: string;
}

export interface HuggingFaceSource {
  repo: string;
  /** A commit sha pins the files; a branch name is resolved at pull time and the commit recorded in the lock. */
  revision: string;
}

export interface ModelSources {
  huggingface?: HuggingFaceSource;
  /**
   * Folder inside `config.models.bucket` (LIGHTBOX_MODELS_BUCKET) holding the files under their
   * `name`. Every model has one, so a deployment can mirror all models into its own bucket.
   */
  gcsPrefix: string;
}

export type ColorOrder = 'RGB' | 'BGR';

export interface ImagePreprocessing {
  kind: 'image';
  width: number;
  height: number;
  /**
   * shortest-edge-center-crop: resize the shortest side to the target, cut the centre (CLIP).
   * letterbox: fit inside width×height keeping aspect, pad right/bottom with zeros (YuNet).
   * aligned-face: similarity-warp 5 landmarks onto the ArcFace template (ArcFace).
   */
  resize: 'shortest-edge-center-crop' | 'letterbox' | 'aligned-face';
  interpolation: 'bicubic' | 'bilinear';
  layout: 'NCHW';
  colorOrder: ColorOrder;
  /** Pixel values are first multiplied by this (1/255 or 1), then (v - mean) / std per channel. */
  scale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export interface TextPreprocessing {
  kind: 'text';
  /** A Hugging Face tokenizer.json among the model's files. */
  tokenizerFile: string;
  maxLength: number;
  bosToken: string;
  eosToken: string;
  padToken: string;
  /** Languages the text encoder was trained on; prompts in others are not used for scoring. */
  languages: readonly string[];
}

/**
 * BERT-family input (ko-sbert-nli, KcELECTRA): a WordPiece tokenizer.json run by the library,
 * `[CLS] tokens [SEP]` cut to `maxLength`, padded per batch to its longest text, with
 * input_ids / attention_mask / token_type_ids (all zeros for one segment).
 */
export interface WordPiecePreprocessing {
  kind: 'wordpiece';
  tokenizerFile: string;
  /** Longest input in tokens, [CLS] and [SEP] included; longer texts are cut and say so. */
  maxLength: number;
  clsToken: string;
  sepToken: string;
  padToken: string;
  /** Prepended to every text before tokenising: e5's `query: ` (the model was trained with it). */
  textPrefix?: string;
}

/** A head on another model's sentence vectors (the clean-bot's e5 head): its input is that model's output. */
export interface EmbeddingPreprocessing {
  kind: 'embedding';
  /** Registry id of the sentence embedder whose vectors the head was trained on. */
  embedder: string;
}

export type Preprocessing = ImagePreprocessing | TextPreprocessing | WordPiecePreprocessing | EmbeddingPreprocessing;

export type ModelTask =
  'image-embedding' | 'image-classification' | 'text-embedding' | 'sentence-embedding' | 'text-classification' | 'face-detection' | 'face-embedding';

/** How a sequence classifier's logits become scores. */
export interface ClassificationHead {
  /** Label names in logit order. */
  labels: readonly string[];
  /** softmax: one label per text (mutually exclusive); sigmoid: independent labels. */
  activation: 'softmax' | 'sigmoid';
  /** The label that means "nothing wrong"; a text's toxicity score is 1 − P(clean) under softmax. */
  cleanLabel?: string;
  /** Sigmoid heads with a binary head beside per-category ones: the label whose probability is the score. */
  scoreLabel?: string;
}

export interface ModelSpec {
  id: string;
  version: string;
  task: ModelTask;
  description: string;
  /** The weights' licence as its publisher states it: some (InsightFace) forbid commercial use. */
  license: string;
  files: readonly ModelFile[];
  /** The ONNX graph among `files` (the others are support files such as tokenizer.json). */
  onnxFile: string;
  sources: ModelSources;
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
  preprocessing: Preprocessing;
  /** Width of the embedding output, for embedding tasks. */
  embeddingDim?: number;
  /** Embedding models: the distance the model was trained for (default cosine on unit vectors). */
  distance?: 'cosine' | 'euclidean';
  /** Sentence embedders: how token states become one vector (sentence-transformers' pooling). */
  pooling?: 'mean';
  /** Text classifiers: label order and activation of the logits. */
  classification?: ClassificationHead;
  /** Embeddings from this model and `pairedWith` live in one space (CLIP image ↔ text). */
  pairedWith?: string;
  testTwin?: string;
  /** Made by `npm run models:build` from registry packages rather than pulled (scripts/models/recipes/<recipe>.ts). */
  build?: { recipe: string; packages: readonly string[] };
  /** Set on test twins: the production model whose contract this one copies. */
  twinOf?: string;
  /** Assumptions not yet checked against the real file; the contract check at load/pull settles them. */
  assumptions?: readonly string[];
}

import { BUILT_MODELS } from './built-models';

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

const BATCH = 'batch';

const CLIP_IMAGE: ModelSpec = {
  id: 'clip-vit-b32-image',
  version: '1',
  task: 'image-embedding',
  description: 'OpenAI CLIP ViT-B/32 image tower with projection (ONNX export by Xenova, fp32)',
  license: 'MIT (OpenAI CLIP weights)',
  files: [{ name: 'vision_model.onnx', hfPath: 'onnx/vision_model.onnx', sha256: null }],
  onnxFile: 'vision_model.onnx',
  sources: {
    huggingface: { repo: 'Xenova/clip-vit-base-patch32', revision: 'main' },
    gcsPrefix: 'clip-vit-b32-image/1',
  },
  inputs: [{ name: 'pixel_values', dtype: 'float32', shape: [BATCH, 3, 224, 224] }],
  outputs: [{ name: 'image_embeds', dtype: 'float32', shape: [BATCH, 512], description: 'projected, not normalised' }],
  preprocessing: {
    kind: 'image',
    width: 224,
    height: 224,
    resize: 'shortest-edge-center-crop',
    interpolation: 'bicubic',
    layout: 'NCHW',
    colorOrder: 'RGB',
    scale: 1 / 255,
    mean: CLIP_MEAN,
    std: CLIP_STD,
  },
  embeddingDim: 512,
  pairedWith: 'clip-vit-b32-text',
  testTwin: 'clip-vit-b32-image-test',
  assumptions: ['output name image_embeds as exported by optimum for CLIPVisionModelWithProjection'],
};

const CLIP_TEXT: ModelSpec = {
  id: 'clip-vit-b32-text',
  version: '1',
  task: 'text-embedding',
  description: 'OpenAI CLIP ViT-B/32 text tower with projection (ONNX export by Xenova, fp32)',
  license: 'MIT (OpenAI CLIP weights)',
  files: [
    { name: 'text_model.onnx', hfPath: 'onnx/text_model.onnx', sha256: null },
    { name: 'tokenizer.json', sha256: null },
  ],
  onnxFile: 'text_model.onnx',
  sources: {
    huggingface: { repo: 'Xenova/clip-vit-base-patch32', revision: 'main' },
    gcsPrefix: 'clip-vit-b32-text/1',
  },
  inputs: [
    { name: 'input_ids', dtype: 'int64', shape: [BATCH, 77] },
    // Exports that take a mask get one; CLIP's text tower pools at the EOS token either way.
    { name: 'attention_mask', dtype: 'int64', shape: [BATCH, 77], optional: true },
  ],
  outputs: [{ name: 'text_embeds', dtype: 'float32', shape: [BATCH, 512], description: 'projected, not normalised' }],
  preprocessing: {
    kind: 'text',
    tokenizerFile: 'tokenizer.json',
    maxLength: 77,
    bosToken: '<|startoftext|>',
    eosToken: '<|endoftext|>',
    padToken: '<|endoftext|>',
    // OpenAI's CLIP was trained on English captions; Hangul is tokenised into byte pieces it
    // barely learnt, so Korean prompts are kept for display, not for scoring, with this model.
    languages: ['en'],
  },
  embeddingDim: 512,
  pairedWith: 'clip-vit-b32-image',
  testTwin: 'clip-vit-b32-text-test',
  assumptions: ['the export has a dynamic sequence axis, so 77 tokens padded with <|endoftext|> are accepted'],
};

const YUNET: ModelSpec = {
  id: 'yunet-2023mar',
  version: '1',
  task: 'face-detection',
  description: 'YuNet face detector, 2023mar release from opencv_zoo (fp32, fixed 640×640 input)',
  license: 'MIT (opencv_zoo)',
  files: [{ name: 'face_detection_yunet_2023mar.onnx', sha256: null }],
  onnxFile: 'face_detection_yunet_2023mar.onnx',
  sources: {
    huggingface: { repo: 'opencv/face_detection_yunet', revision: 'main' },
    gcsPrefix: 'yunet-2023mar/1',
  },
  inputs: [{ name: 'input', dtype: 'float32', shape: [1, 3, 640, 640], description: 'BGR, 0..255, no normalisation' }],
  outputs: [8, 16, 32].flatMap((stride) => {
    const cells = (640 / stride) ** 2;
    return [
      { name: `cls_${stride}`, dtype: 'float32' as const, shape: [1, cells, 1] },
      { name: `obj_${stride}`, dtype: 'float32' as const, shape: [1, cells, 1] },
      { name: `bbox_${stride}`, dtype: 'float32' as const, shape: [1, cells, 4] },
      { name: `kps_${stride}`, dtype: 'float32' as const, shape: [1, cells, 10] },
    ];
  }),
  preprocessing: {
    kind: 'image',
    width: 640,
    height: 640,
    resize: 'letterbox',
    interpolation: 'bilinear',
    layout: 'NCHW',
    colorOrder: 'BGR',
    scale: 1,
    mean: [0, 0, 0],
    std: [1, 1, 1],
  },
  testTwin: 'yunet-2023mar-test',
  assumptions: [
    'Hugging Face mirror opencv/face_detection_yunet holds face_detection_yunet_2023mar.onnx at its root',
    'output names cls_/obj_/bbox_/kps_{8,16,32} as used by OpenCV FaceDetectorYN for the 2023mar model',
  ],
};

const ARCFACE: ModelSpec = {
  id: 'arcface-w600k-r50',
  version: '1',
  task: 'face-embedding',
  description: 'ArcFace ResNet-50 trained on WebFace600K (InsightFace buffalo_l pack, w600k_r50.onnx)',
  // The InsightFace model packs are released for non-commercial research only: a commercial
  // deployment must license them or swap in another embedder with the same contract.
  license: 'non-commercial research only (InsightFace model zoo)',
  files: [{ name: 'w600k_r50.onnx', sha256: null }],
  onnxFile: 'w600k_r50.onnx',
  // InsightFace distributes buffalo_l as a zip on GitHub releases, not on Hugging Face, so the
  // file is fetched from our own bucket after someone extracts it there once.
  sources: { gcsPrefix: 'arcface-w600k-r50/1' },
  inputs: [{ name: 'input.1', dtype: 'float32', shape: [BATCH, 3, 112, 112] }],
  outputs: [{ name: '683', dtype: 'float32', shape: [BATCH, 512], description: 'not normalised' }],
  preprocessing: {
    kind: 'image',
    width: 112,
    height: 112,
    resize: 'aligned-face',
    interpolation: 'bilinear',
    layout: 'NCHW',
    colorOrder: 'RGB',
    scale: 1,
    mean: [127.5, 127.5, 127.5],
    std: [127.5, 127.5, 127.5],
  },
  embeddingDim: 512,
  testTwin: 'arcface-w600k-r50-test',
  assumptions: [
    'input name input.1 and output name 683 (the torch-exported node names of w600k_r50): unverified; models:pull and session load fail loudly with the real names if they differ',
  ],
};

const TEXT_INPUTS: readonly TensorSpec[] = [
  { name: 'input_ids', dtype: 'int64', shape: [BATCH, 'sequence'] },
  { name: 'attention_mask', dtype: 'int64', shape: [BATCH, 'sequence'] },
  // Exports of single-segment models sometimes drop it; fed (all zeros) when the graph has it.
  { name: 'token_type_ids', dtype: 'int64', shape: [BATCH, 'sequence'], optional: true },
];

const BERT_WORDPIECE = {
  kind: 'wordpiece',
  tokenizerFile: 'tokenizer.json',
  clsToken: '[CLS]',
  sepToken: '[SEP]',
  padToken: '[PAD]',
} as const;

const KO_SBERT_NLI: ModelSpec = {
  id: 'ko-sbert-nli',
  version: '1',
  task: 'sentence-embedding',
  description: 'jhgan/ko-sbert-nli: klue/bert-base fine-tuned on KorNLI for sentence embeddings (mean pooling, 768-d), ONNX export',
  license: 'see the jhgan/ko-sbert-nli model card (klue/bert-base is CC-BY-SA-4.0)',
  files: [
    { name: 'model.onnx', sha256: null },
    { name: 'tokenizer.json', sha256: null },
  ],
  onnxFile: 'model.onnx',
  // The Hugging Face repo ships PyTorch weights only: the ONNX graph is exported once with
  // `optimum-cli export onnx --model jhgan/ko-sbert-nli --task feature-extraction` and mirrored,
  // with the repo's tokenizer.json, to gs://$LIGHTBOX_MODELS_BUCKET/ko-sbert-nli/1/.
  sources: { gcsPrefix: 'ko-sbert-nli/1' },
  inputs: TEXT_INPUTS,
  outputs: [{ name: 'last_hidden_state', dtype: 'float32', shape: [BATCH, 'sequence', 768], description: 'token states; mean-pooled over the mask' }],
  // sentence-transformers config of the model: max_seq_length 128.
  preprocessing: { ...BERT_WORDPIECE, maxLength: 128 },
  embeddingDim: 768,
  pooling: 'mean',
  testTwin: 'ko-sbert-nli-test',
  assumptions: [
    'an optimum feature-extraction export names its inputs input_ids/attention_mask/token_type_ids and its output last_hidden_state',
    'the repo has a tokenizer.json (else save one with transformers AutoTokenizer.save_pretrained before mirroring)',
  ],
};

const KCELECTRA_TOXICITY: ModelSpec = {
  id: 'kcelectra-small-toxicity',
  version: '1',
  task: 'text-classification',
  description: 'KcELECTRA-small-v2022 fine-tuned by the team as a chat toxicity classifier (ElectraForSequenceClassification), ONNX export',
  license: "MIT (beomi/KcELECTRA-small-v2022); the fine-tuned weights are the team's own",
  files: [
    { name: 'model.onnx', sha256: null },
    { name: 'tokenizer.json', sha256: null },
  ],
  onnxFile: 'model.onnx',
  // Not public: the hertz team's own fine-tune, exported with optimum (text-classification) and
  // kept in the models bucket. Label names come from its config.json id2label and can be
  // overridden with LIGHTBOX_TOXICITY_LABELS (the count must match the logits).
  sources: { gcsPrefix: 'kcelectra-small-toxicity/1' },
  inputs: TEXT_INPUTS,
  outputs: [{ name: 'logits', dtype: 'float32', shape: [BATCH, 2] }],
  // Chat messages are short; 128 tokens keeps a batch cheap and covers nearly every message.
  preprocessing: { ...BERT_WORDPIECE, maxLength: 128 },
  classification: { labels: ['clean', 'toxic'], activation: 'softmax', cleanLabel: 'clean' },
  testTwin: 'kcelectra-small-toxicity-test',
  assumptions: [
    'a binary head with id2label {0: clean, 1: toxic}; a multi-label head needs LIGHTBOX_TOXICITY_LABELS and activation sigmoid',
    'exported with a dynamic sequence axis and token_type_ids as an input',
  ],
};

/** The models `models:pull` fetches when named none (Hugging Face or the GCS mirror). */
export const PRODUCTION_MODELS: readonly ModelSpec[] = [CLIP_IMAGE, CLIP_TEXT, YUNET, ARCFACE, KO_SBERT_NLI, KCELECTRA_TOXICITY];

export const TEST_MODEL_VERSION = 'test-1';

/** The twin keeps the contract (inputs, outputs, preprocessing) and changes only what it must. */
function twin(spec: ModelSpec): ModelSpec {
  if (!spec.testTwin) throw new Error(`${spec.id} has no test twin`);
  return {
    ...spec,
    id: spec.testTwin,
    version: TEST_MODEL_VERSION,
    description: `Test twin of ${spec.id}: same contract, toy weights (scripts/make-test-models.py)`,
    license: 'generated by this project',
    // Checksums come from the fixtures' models.lock.json, written by the generator.
    files: spec.files.map(({ name }) => ({ name, sha256: null })),
    sources: { gcsPrefix: `${spec.testTwin}/${TEST_MODEL_VERSION}` },
    pairedWith: spec.pairedWith ? `${spec.pairedWith}-test` : undefined,
    testTwin: undefined,
    twinOf: spec.id,
    assumptions: undefined,
  };
}

export const TEST_MODELS: readonly ModelSpec[] = PRODUCTION_MODELS.map(twin);

/** Where `make-test-models.py --shape-faithful` writes (git-ignored; ~350 MB). */
export const BENCH_MODELS_DIR = '.lightbox/models-bench';

/**
 * Full-size CLIP ViT-B/32 image tower with random weights, for benchmarks: the real model's
 * compute and memory with the real contract, meaningless embeddings. Never used for results.
 */
export const BENCH_MODELS: readonly ModelSpec[] = [
  {
    ...twin(CLIP_IMAGE),
    id: 'clip-vit-b32-image-bench',
    version: 'bench-1',
    description: 'Shape-faithful CLIP ViT-B/32 image encoder, random weights (scripts/make-test-models.py --shape-faithful)',
    sources: { gcsPrefix: 'clip-vit-b32-image-bench/bench-1' },
    pairedWith: undefined,
  },
  // Full-size BERT-base and ELECTRA-small graphs with random weights and the test tokenizer.
  {
    ...twin(KO_SBERT_NLI),
    id: 'ko-sbert-nli-bench',
    version: 'bench-1',
    description: 'Shape-faithful ko-sbert-nli (BERT-base), random weights (scripts/make-test-models.py --shape-faithful)',
    sources: { gcsPrefix: 'ko-sbert-nli-bench/bench-1' },
  },
  {
    ...twin(KCELECTRA_TOXICITY),
    id: 'kcelectra-small-toxicity-bench',
    version: 'bench-1',
    description: 'Shape-faithful KcELECTRA-small classifier, random weights (scripts/make-test-models.py --shape-faithful)',
    sources: { gcsPrefix: 'kcelectra-small-toxicity-bench/bench-1' },
  },
];

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
