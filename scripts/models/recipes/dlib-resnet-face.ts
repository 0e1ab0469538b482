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
  check: { input: { name: 'image', shape: [1, 3, 150, 150], lo: 0, hi: 255 }, expected: { descriptor: [] }, tolerance: 1e-3 },
};
export default recipe;
