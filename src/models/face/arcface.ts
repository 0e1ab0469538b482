/**
 * ArcFace face embeddings: aligned 112×112 crops → (x − 127.5) / 127.5, RGB, NCHW → ONE
 * inference run for all faces given → one unit-length 512-float vector per face. Faces of one
 * person have high cosine similarity; people clustering works on these.
 */
import * as ort from 'onnxruntime-node';
import { writeNchw } from '../image-tensor';
import { getModelSpec, modelRef, type ImagePreprocessing, type ModelSpec } from '../registry';
import type { SessionPool } from '../sessions';
import { splitRows } from '../vectors';
import { alignFace, type RgbImage } from './align';
import type { FaceDetection } from './yunet';

export const ARCFACE_MODEL_ID = 'arcface-w600k-r50';

export class ArcFaceEmbedder {
  readonly spec: ModelSpec;

  constructor(
    private readonly sessions: SessionPool,
    modelId: string = ARCFACE_MODEL_ID,
  ) {
    this.spec = getModelSpec(modelId);
    if (this.spec.task !== 'face-embedding') throw new Error(`${modelId} is not a face embedding model`);
  }

  get ref(): string {
    return modelRef(this.spec);
  }

  private get prep(): ImagePreprocessing {
    return this.spec.preprocessing as ImagePreprocessing;
  }

  /** Aligned RGB crops (from alignFace) → embeddings, in one run. */
  async embedAligned(crops: readonly Uint8Array[]): Promise<{ model: string; embeddings: Float32Array[] }> {
    if (crops.length === 0) return { model: this.ref, embeddings: [] };
    const { width, height } = this.prep;
    const per = 3 * width * height;
    const batch = new Float32Array(crops.length * per);
    crops.forEach((crop, i) => writeNchw(crop, width, height, 3, this.prep, batch, i * per));
    const session = await this.sessions.get(this.spec);
    const out = await session.run({ [this.spec.inputs[0]!.name]: new ort.Tensor('float32', batch, [crops.length, 3, height, width]) });
    const t = out[this.spec.outputs[0]!.name]!;
    return { model: this.ref, embeddings: splitRows(t.data as Float32Array, crops.length, this.spec.embeddingDim!, true) };
  }

  /** Every detected face of one decoded photo → embeddings, in one run. */
  async embedFaces(photo: RgbImage, faces: readonly Pick<FaceDetection, 'landmarks'>[]): Promise<{ model: string; embeddings: Float32Array[] }> {
    return this.embedAligned(faces.map((f) => alignFace(photo, f.landmarks, this.prep.width)));
  }
}
