/**
 * CLIP image embeddings: a batch of photos → one preprocessing pass → ONE inference run →
 * one unit-length Float32Array per photo. Unit length makes cosine similarity a dot product, which
 * is what duplicate detection and zero-shot scoring use.
 */
import type { ImageInput } from '../image-tensor';
import { getModelSpec, modelRef, type ImagePreprocessing, type ModelSpec } from '../registry';
import type { SessionPool } from '../sessions';
import { splitRows } from '../vectors';
import { clipImageBatch, stackImages, type ImageInputOptions } from './preprocess';

export const CLIP_IMAGE_MODEL_ID = 'clip-vit-b32-image';

export interface ImageEmbeddings {
  /** `id@version` of the model that made them: results and caches record it. */
  model: string;
  embeddings: Float32Array[];
}

export class ClipImageEncoder {
  readonly spec: ModelSpec;

  /** `modelId` may be the test twin (clip-vit-b32-image-test) or any model with the same contract. */
  constructor(
    private readonly sessions: SessionPool,
    modelId: string = CLIP_IMAGE_MODEL_ID,
    private readonly options: ImageInputOptions = {},
  ) {
    this.spec = getModelSpec(modelId);
    if (this.spec.task !== 'image-embedding' || this.spec.preprocessing.kind !== 'image') {
      throw new Error(`${modelId} is not an image embedding model`);
    }
  }

  get ref(): string {
    return modelRef(this.spec);
  }

  private get prep(): ImagePreprocessing {
    return this.spec.preprocessing as ImagePreprocessing;
  }

  /** Encoded photos (JPEG, PNG, WebP, …) or decoded rasters → embeddings, in order. */
  async embed(images: readonly ImageInput[]): Promise<ImageEmbeddings> {
    const session = await this.sessions.get(this.spec);
    const batch = await clipImageBatch(images, this.prep, this.options);
    return this.run(session, batch, images.length);
  }

  /** Rows from preprocessClipImage → embeddings, for callers that preprocess elsewhere. */
  async embedPreprocessed(rows: readonly Float32Array[]): Promise<ImageEmbeddings> {
    const session = await this.sessions.get(this.spec);
    return this.run(session, stackImages(rows, this.prep), rows.length);
  }

  private async run(session: Awaited<ReturnType<SessionPool['get']>>, batch: import('onnxruntime-node').Tensor, n: number): Promise<ImageEmbeddings> {
    const input = this.spec.inputs[0]!;
    const output = this.spec.outputs[0]!;
    const out = await session.run({ [input.name]: batch });
    const t = out[output.name]!;
    const dim = this.spec.embeddingDim!;
    if (t.dims.length !== 2 || t.dims[0] !== n || t.dims[1] !== dim) {
      throw new Error(`${this.ref}: ${output.name} came back as [${t.dims.join(',')}], expected [${n},${dim}]`);
    }
    return { model: this.ref, embeddings: splitRows(t.data as Float32Array, n, dim, true) };
  }
}
