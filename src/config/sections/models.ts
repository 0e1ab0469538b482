/** Which ONNX models run, where they are installed and fetched from, and how ONNX Runtime runs them. */
import { z } from 'zod';
import { bool, optionalString, positiveInt } from './types';

export const modelsSection = z.object({
  LIGHTBOX_MODELS_DIR: optionalString.describe('Default: `$LIGHTBOX_DATA_DIR/models`. installed model files (`npm run models:pull` writes here)'),
  LIGHTBOX_MODEL_SOURCE: z.enum(['huggingface', 'gcs']).default('huggingface').describe('where `models:pull` fetches from: `huggingface` or `gcs`'),
  LIGHTBOX_MODELS_BUCKET: optionalString.describe('bucket holding model files when the source is `gcs`'),
  HF_TOKEN: optionalString.describe('Hugging Face token for gated or private model repos'),
  ORT_INTRA_OP_THREADS: positiveInt.optional().describe('Default: CPU count. onnxruntime threads inside one operator'),
  ORT_INTER_OP_THREADS: positiveInt.default(1).describe('onnxruntime threads across operators'),
  ORT_ALLOW_SPINNING: bool.default(false).describe('let idle onnxruntime threads busy-wait (only on a machine that does nothing else)'),
  LIGHTBOX_MODEL_SET: z
    .enum(['production', 'test', 'bench'])
    .default('production')
    .describe(
      'which registry entries workers and the API load: `production`, `test` (the generated twins: tests and demos only, their outputs mean nothing) or `bench` (the shape-faithful photo encoder)',
    ),
  LIGHTBOX_MODEL_ROLES: optionalString.describe(
    'Default: built models. which registry entry serves each role, `role=id,…` over the defaults `embedding=mobilenetv2-imagenet,categories=mobilenetv2-imagenet,faces=blazeface-back,face-descriptor=dlib-resnet-face,sentence=multilingual-e5-small-int8,toxicity=cleanbot-e5-head` (with `LIGHTBOX_MODEL_SET=test`: the same roles on their test twins). A model that is not installed falls back and results say so (see _Models built from registry packages_)',
  ),
  LIGHTBOX_SKIP_MODEL_BUILD: bool.default(false).describe('`npm run setup` skips `models:build`'),
  LIGHTBOX_MODEL_CACHE_DIR: optionalString.describe(
    "Default: `$XDG_CACHE_HOME/lightbox/models` (`~/.cache/…`). `models:build`'s package and conversion cache, outside the clone",
  ),
  XDG_CACHE_HOME: optionalString.describe(
    'Default: from the environment. only to place the default `LIGHTBOX_MODEL_CACHE_DIR` (`$XDG_CACHE_HOME/lightbox/models`, else `$HOME/.cache/lightbox/models`)',
  ),
  HOME: optionalString.describe('Default: from the environment. see `XDG_CACHE_HOME`'),
});
