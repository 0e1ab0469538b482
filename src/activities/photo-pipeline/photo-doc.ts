/**
 * The per-photo result document: everything the pipeline learnt about one photo in one analysis,
 * written by the batch activity and read by the album step. Vectors travel as base64 float32.
 */
import type { PhotoFailureRecord, PhotoRef } from '../../shared/album';
import type { ExposureStats, QualityScore } from '../photo-quality';

export interface VectorRecord {
  /** `id@version` of the model, or the classic method's id. */
  model: string;
  dims: number;
  /** Base64 of little-endian float32, unit length. */
  vector: string;
  cached: boolean;
}

export type CategoryRecord =
  | { status: 'ok'; label: string; names: { en: string; ko: string }; score: number; model: string }
  | { status: 'model-not-installed'; reason: string };

export interface FaceRecord {
  faceId: string;
  box: { x: number; y: number; width: number; height: number };
  score: number;
  embedding: string;
}

export type FacesRecord =
  | { status: 'ok'; model: string; faces: FaceRecord[] }
  | { status: 'model-not-installed'; reason: string }
  | { status: 'failed'; model: string; code: string; message: string };

export interface PhotoDoc {
  photoId: string;
  name: string;
  analysisId: string;
  /** The upload it came from: what a re-analysis starts from. */
  ref: PhotoRef;
  sha256: string;
  width: number;
  height: number;
  format: string;
  sizeBytes: number;
  /** The album's similarity space: the image model's embedding, or the perceptual one without a model. */
  embedding: VectorRecord;
  /** Always computed (cheap): copy detection runs on it whatever model is installed. */
  perceptual: VectorRecord;
  quality: QualityScore & { blurry: boolean; exposureVerdict: ExposureStats['verdict']; method: string };
  category: CategoryRecord;
  faces: FacesRecord;
  analysedAt: string;
}

/** A photo the analysis gave up on, kept beside the analysed ones. */
export interface FailureDoc extends PhotoFailureRecord {
  analysisId: string;
  ref: PhotoRef;
  failedAt: string;
}

export function encodeVector(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export function decodeVector(s: string): Float32Array {
  const bytes = Buffer.from(s, 'base64');
  // Copy into an aligned buffer: a Buffer's offset into its pool need not be a multiple of 4.
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
