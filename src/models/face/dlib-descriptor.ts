/**
 * dlib's ResNet face descriptor: a 150×150 RGB crop with the eye centres warped to where dlib's
 * own aligner puts them (a similarity transform from the two eyes), → 128-d. Its distance is
 * Euclidean on the raw descriptor (dlib: < 0.6 is the same person); we return the raw vectors,
 * and the people clustering uses that model's metric (see src/analysis/people.ts).
 */
import * as ort from 'onnxruntime-node';
import { writeNchw } from '../image-tensor';
import { getModelSpec, modelRef, type ImagePreprocessing, type ModelSpec } from '../registry';
import type { SessionPool } from '../sessions';
import { splitRows } from '../vectors';
import { alignFace, type RgbImage } from './align';
import type { FaceDetection, Point } from './yunet';

export const DLIB_FACE_MODEL_ID = 'dlib-resnet-face';

/** Eye centres (subject's right eye first, i.e. image-left) in dlib's 150×150 chip. */
export const DLIB_EYES_150: readonly Point[] = [
  [47.73, 47.14],
  [100.28, 47.12],
];

export class DlibFaceDescriptor {
  readonly spec: ModelSpec;

  constructor(
    private readonly sessions: SessionPool,
    modelId: string = DLIB_FACE_MODEL_ID,
  ) {
    this.spec = getModelSpec(modelId);
    if (this.spec.task !== 'face-embedding') throw new Error(`${modelId} is not a face embedding model`);
  }

  get ref(): string {
    return modelRef(this.spec);
  }

  /** The eye-aligned 150×150 RGB crop (interleaved). */
  align(photo: RgbImage, face: Pick<FaceDetection, 'landmarks'>): Uint8Array {
    const size = (this.spec.preprocessing as ImagePreprocessing).width;
    // alignFace scales its template by size/112; hand it the 150-px eye points in 112 units.
    const template = DLIB_EYES_150.map(([x, y]) => [(x * 112) / 150, (y * 112) / 150] as Point);
    return alignFace(photo, face.landmarks.slice(0, 2), size, template);
  }

  async embedAligned(crops: readonly Uint8Array[]): Promise<{ model: string; embeddings: Float32Array[] }> {
    if (crops.length === 0) return { model: this.ref, embeddings: [] };
    const prep = this.spec.preprocessing as ImagePreprocessing;
    const per = 3 * prep.width * prep.height;
    const batch = new Float32Array(crops.length * per);
    crops.forEach((crop, i) => writeNchw(crop, prep.width, prep.height, 3, prep, batch, i * per));
    const session = await this.sessions.get(this.spec);
    const out = await session.run({ [this.spec.inputs[0]!.name]: new ort.Tensor('float32', batch, [crops.length, 3, prep.height, prep.width]) });
    // Not normalised: dlib's threshold is on raw Euclidean distance.
    return { model: this.ref, embeddings: splitRows(out[this.spec.outputs[0]!.name]!.data as Float32Array, crops.length, this.spec.embeddingDim!, false) };
  }

  async embedFaces(photo: RgbImage, faces: readonly Pick<FaceDetection, 'landmarks'>[]): Promise<{ model: string; embeddings: Float32Array[] }> {
    return this.embedAligned(faces.map((f) => this.align(photo, f)));
  }
}
