import type { Recipe } from '../recipe';

/** dlib's ResNet face descriptor with face-api's uint8-quantised weights (@vladmandic/face-api). */
const recipe: Recipe = {
  modelId: 'dlib-resnet-face',
  packages: [
    {
      registry: 'npm',
      name: '@vladmandic/face-api',
      version: '1.7.15',
      file: 'vladmandic-face-api-1.7.15.tgz',
      sha256: '0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031',
    },
  ],
  converter: 'dlib_resnet.py',
  // Recorded from this conversion once it classified, detected and matched the eval photos correctly
  // (see eval/); they catch a converter or onnx upgrade that changes the numbers.
  check: {
    input: { name: 'image', shape: [1, 3, 150, 150], lo: 0, hi: 255 },
    expected: { descriptor: [-0.0720248, 0.0705965, 0.0373068, -0.00482229, -0.147896, -0.0728006, -0.0497817, -0.10994] },
    tolerance: 1e-3,
  },
};
export default recipe;
