/** Which ONNX models run, where they are installed and fetched from, and how ONNX Runtime runs them. */
import { z } from 'zod';
import { bool, optionalString, positiveInt } from './types';

export const modelsSection = z.object({
  LIGHTBOX_MODELS_DIR: optionalString.describe('Default: `$LIGHTBOX_DATA_DIR/models`. installed model files (`npm run models:pull` writes here)'),
  LIGHTBOX_MODEL_SOURCE: z.enum(['huggingface', 'gcs']).default('huggingface').describe('where `models:pull` fetches from: `huggingface` or `gcs`'),
  LIGHTBOX_MODELS_BUCKET: optionalString.describe('bucket holding model files when the source is `gcs`'),
  HF_TOKEN: optionalString.describe('Hugging Face token for gated or private model repos'),
  INFERENCE_THREADS: positiveInt
    .max(64)
    .optional()
    .describe(
      "Default: every core for ONNX Runtime, 1 for llama.cpp. CPU threads one model run may use: ONNX Runtime's threads inside an operator (API, CPU worker) and llama.cpp's threads (in-process LLM; 1 beat 2 on a busy 2-core node, docs/reports.md)",
    ),
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
  LIGHTBOX_MODEL_CACHE_DIR: optionalString.describe("Default: `~/.cache/lightbox/models`. `models:build`'s package and conversion cache, outside the clone"),
});
