/**
 * The per-photo result document: everything the pipeline learnt about one photo in one analysis,
 * written by the batch activity and read by the album step. Vectors travel as base64 float32.
 */
import { heartbeat } from '@temporalio/activity';
import type { BlobStore } from '../../storage/blob-store';
import { failureDocKey } from '../../storage/keys';
import type { PhotoFailureRecord, PhotoRef } from '../../shared/album';
import type { ExposureStats, QualityScore } from '../../analysis/photo-quality';

export interface VectorRecord {
  /** `id@version` of the model, or the classic method's id. */
  model: string;
  dims: number;
  /** Base64 of little-endian float32, unit length. */
  vector: string;
  cached: boolean;
}

export type CategoryRecord =
  | {
      status: 'ok';
      label: string;
      names: { en: string; ko: string };
      score: number;
      model: string;
      imagenetClass?: string;
      /** The classifier's top ImageNet classes, for word search (absent with zero-shot labels). */
      classes?: Array<{ name: string; p: number }>;
    }
  | { status: 'model-not-installed'; reason: string };

export interface FaceRecord {
  faceId: string;
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** Base64 float32, in the face model's own space (dlib: raw, compared by Euclidean distance). */
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

/** Keys of the JSON documents under a prefix. */
export async function listJson(store: BlobStore, prefix: string): Promise<string[]> {
  return (await store.list(prefix)).filter((k) => k.endsWith('.json'));
}

const READ_CONCURRENCY = 16;

/** Reads many small JSON documents with bounded concurrency, heartbeating as it goes (an album has thousands). */
export async function readJsonDocs<T>(store: BlobStore, keys: readonly string[]): Promise<T[]> {
  const docs: T[] = new Array(keys.length);
  let next = 0;
  const reader = async () => {
    while (next < keys.length) {
      const i = next++;
      docs[i] = JSON.parse((await store.get(keys[i]!)).toString('utf8')) as T;
      if (i % 200 === 0) heartbeat({ read: i });
    }
  };
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, reader));
  return docs;
}

export interface FailureInput {
  tenantId: string;
  albumId: string;
  analysisId: string;
  ref: PhotoRef;
  failure: PhotoFailureRecord;
}

/** A photo the analysis gave up on keeps a document beside the analysed ones (the album step lists them). */
export async function writeFailureDoc(store: BlobStore, { tenantId, albumId, analysisId, ref, failure }: FailureInput): Promise<void> {
  const doc: FailureDoc = { ...failure, analysisId, ref, failedAt: new Date().toISOString() };
  await store.put(failureDocKey(tenantId, albumId, analysisId, ref.photoId), Buffer.from(JSON.stringify(doc)), { contentType: 'application/json' });
}
