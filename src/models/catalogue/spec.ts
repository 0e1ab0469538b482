/**
 * The contract of a model as the code relies on it: files and checksums, where to fetch them,
 * input/output names, dtypes and shapes, the preprocessing the model was trained with, and the
 * `runner` class that drives it. One entry per model *version*: results record `id@version`, and
 * caches key on it, so a changed file must come with a new version.
 *
 * Checksums: `sha256: null` means nobody on this project has verified the upstream file yet. We do
 * not copy hashes from third parties into the catalogue. `npm run models:pull` checks a download
 * against the host's own content hash where it gives one (Hugging Face's X-Linked-Etag for LFS
 * files, a `sha256` metadata field on GCS objects), records the result in models.lock.json in the
 * models dir, and the store verifies every file against that lock from then on. Once a hash is
 * confirmed, put it in the catalogue so a tampered mirror can never be trusted on first use.
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
   * fit-reflect-pad: long side at most width, the rest reflection-padded and cropped off the output (style networks).
   */
  resize: 'shortest-edge-center-crop' | 'letterbox' | 'aligned-face' | 'fit-reflect-pad';
  interpolation: 'bicubic' | 'bilinear';
  layout: 'NCHW' | 'NHWC';
  colorOrder: ColorOrder;
  /** Pixel values are first multiplied by this (1/255 or 1), then (v - mean) / std per channel. */
  scale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** The usual image input: bilinear, NCHW, RGB, pixels scaled to 0..1 and not normalised; `rest` says where a model differs. */
export function imageInput(
  width: number,
  height: number,
  resize: ImagePreprocessing['resize'],
  rest: Partial<Omit<ImagePreprocessing, 'kind' | 'width' | 'height' | 'resize'>> = {},
): ImagePreprocessing {
  return {
    kind: 'image',
    width,
    height,
    resize,
    interpolation: 'bilinear',
    layout: 'NCHW',
    colorOrder: 'RGB',
    scale: 1 / 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    ...rest,
  };
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
  /** Catalogue id of the sentence embedder whose vectors the head was trained on. */
  embedder: string;
}

export type Preprocessing = ImagePreprocessing | TextPreprocessing | WordPiecePreprocessing | EmbeddingPreprocessing;

export type ModelTask =
  | 'image-embedding'
  | 'image-classification'
  | 'text-embedding'
  | 'sentence-embedding'
  | 'text-classification'
  | 'face-detection'
  | 'face-embedding'
  | 'style-transfer';

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

/**
 * The class that drives a model. The pipeline picks it from here, so a new export whose output
 * names or input size differ still runs on the right code.
 */
export type ModelRunner =
  | 'clip-image'
  | 'clip-text'
  | 'mobilenet'
  | 'yunet'
  | 'blazeface'
  | 'arcface'
  | 'dlib-descriptor'
  | 'sentence-embedder'
  | 'text-classifier'
  | 'embedding-head'
  | 'style-network';

export interface ModelSpec {
  id: string;
  version: string;
  task: ModelTask;
  runner: ModelRunner;
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
