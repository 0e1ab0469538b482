/**
 * The per-photo half of the pipeline, one batch of photos per activity on the CPU queue:
 *
 *   fetch + check magic bytes → decode in an isolated child (grey raster, thumbnail, RGB raster)
 *   → embedding (cache first: content hash + model id + version; misses in ONE inference run)
 *   → category (zero-shot on the embedding) → quality (sharpness, exposure, noise, resolution)
 *   → faces (detector + face embedder) → one result document per photo in the blob store.
 *
 * A bad photo never fails its batch: it comes back as a failure record (stage, code, message,
 * model, attempts). A photo that kills its decoder child is tried again in a fresh child up to
 * `decodeAttempts` times, then recorded as failed. Only infrastructure errors (storage down,
 * the worker shutting down) fail the activity, and Temporal retries it.
 */
import crypto from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { ApplicationFailure, CancelledFailure, activityInfo, heartbeat, log } from '@temporalio/activity';
import { faceDecidesCategory } from '../../analysis/face-category';
import { PERCEPTUAL_METHOD, PERCEPTUAL_VERSION, embedThumbnail } from '../../analysis/perceptual-embedding';
import { embeddingCacheKey, type EmbeddingCache } from '../../cache/embedding-cache';
import type { BatchProgress, PhotoBatchInput, PhotoBatchResult, PhotoFailureRecord, PhotoOutcome, PhotoRef, PhotoStage } from '../../shared/album';
import { contentTypeMatches, sniffImageFormat } from '../../shared/image-types';
import { BlobNotFoundError, type BlobStore } from '../../storage/blob-store';
import { assertTenantKey, photoDocKey } from '../../storage/keys';
import { isOutOfSpace, OUT_OF_SPACE_TYPE } from '../../storage/out-of-space';
import { inferenceBatchSize, inferenceSeconds, jobOutcomes, stageSeconds } from '../../telemetry/metrics';
import { tagModel } from '../../telemetry/span-tags';
import { describeDecodeFailure, type DecodeOk, type IsolatedDecoder } from './decode/isolated-decode';
import { BLUR_THRESHOLD } from '../../analysis/photo-quality';
import { decodeVector, encodeVector } from '../../vectors/float32-codec';
import { writeFailureDoc, type FacesRecord, type PhotoDoc, type VectorRecord } from './photo-doc';
import { NOT_INSTALLED, type PhotoModels } from './photo-models';
import { l2Normalize } from '../../vectors/math';

export interface PhotoPipelineDeps {
  store: BlobStore;
  decoder: IsolatedDecoder;
  models: PhotoModels;
  cache: EmbeddingCache;
  /** Fresh-child attempts for a photo whose decoder crashes, hangs or runs out of memory. */
  decodeAttempts?: number;
}

interface Decoded {
  photo: PhotoRef;
  bytes: number;
  sha256: string;
  image: DecodeOk;
}

class PhotoFailed extends Error {
  constructor(readonly record: PhotoFailureRecord) {
    super(record.message);
  }
}

const fail = (photo: PhotoRef, stage: PhotoStage, code: string, detail: string, attempts = 1, model?: string) =>
  new PhotoFailed({
    photoId: photo.photoId,
    name: photo.name,
    stage,
    code,
    message: `Photo "${photo.name}" (${photo.photoId}): ${detail}`,
    attempts,
    ...(model ? { model } : {}),
  });

const PERCEPTUAL_REF = { modelId: PERCEPTUAL_METHOD, modelVersion: PERCEPTUAL_VERSION };

/**
 * An error that fails the whole batch, marked with the stage it came from and this attempt, so
 * the workflow can say where a photo was lost. Type, message and retryability are kept.
 */
function atStage(stage: PhotoStage, err: unknown): unknown {
  // A cancellation stays one; a failure that already says where it came from is kept.
  if (err instanceof CancelledFailure) return err;
  if (err instanceof ApplicationFailure && (err.details?.[0] as Partial<BatchProgress> | undefined)?.stage) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({
    message: e.message,
    type: err instanceof ApplicationFailure ? (err.type ?? undefined) : isOutOfSpace(err) ? OUT_OF_SPACE_TYPE : e.name === 'Error' ? 'ANALYSIS_FAILED' : e.name,
    nonRetryable: err instanceof ApplicationFailure && err.nonRetryable === true,
    details: [{ stage, attempt: activityInfo().attempt, outcomes: [] } satisfies BatchProgress],
    cause: e,
  });
}

/** Times one stage into the metric and into `into` (ms), which the batch's log line reports. */
type Timed = PhotoStage;

async function timed<T>(stage: Timed, into: Partial<Record<Timed, number>>, fn: () => Promise<T>): Promise<T> {
  const end = stageSeconds.startTimer({ kind: 'photo', stage });
  const started = performance.now();
  try {
    return await fn();
  } catch (err) {
    throw err instanceof PhotoFailed ? err : atStage(stage, err);
  } finally {
    end();
    into[stage] = Math.round((into[stage] ?? 0) + performance.now() - started);
  }
}

/**
 * Fresh decoder children a photo gets after crashing, hanging or bloating one: a host hiccup
 * (OOM killer, noisy neighbour) rarely strikes three times, a poison file always does.
 */
export const DECODE_ATTEMPTS = 3;

export function createPhotoPipelineActivities({ store, decoder, models, cache, decodeAttempts = DECODE_ATTEMPTS }: PhotoPipelineDeps) {
  const wantRgb = models.imageEncoder !== undefined || models.detector !== undefined;

  async function fetchAndDecode(tenantId: string, photo: PhotoRef): Promise<Decoded> {
    try {
      assertTenantKey(tenantId, photo.key);
    } catch (err) {
      throw fail(photo, 'fetch', 'INVALID_KEY', (err as Error).message);
    }
    let bytes: Buffer;
    try {
      bytes = await store.get(photo.key);
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw fail(photo, 'fetch', 'BLOB_NOT_FOUND', 'the upload is missing from storage');
      throw atStage('fetch', err);
    }
    if (bytes.length === 0) throw fail(photo, 'fetch', 'EMPTY_FILE', 'the file is empty (0 bytes)');
    const format = sniffImageFormat(bytes.subarray(0, 32));
    if (!format) throw fail(photo, 'fetch', 'NOT_AN_IMAGE', 'the file is not a supported image (JPEG, PNG, WebP, GIF, TIFF, HEIF, AVIF)');
    if (!contentTypeMatches(photo.contentType, format)) {
      throw fail(photo, 'fetch', 'NOT_AN_IMAGE', `declared as ${photo.contentType} but the bytes are ${format}`);
    }
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    for (let attempt = 1; ; attempt++) {
      const result = await decoder.decode(bytes, { rgb: wantRgb, gray: false });
      if (result.kind === 'ok') return { photo, bytes: bytes.length, sha256, image: { ...result, format: result.format ?? format } };
      const failure = describeDecodeFailure(result);
      if (!failure.retryable) throw fail(photo, 'decode', failure.code, failure.message, attempt);
      log.warn('decoder died on a photo; trying a fresh child', { photoId: photo.photoId, code: failure.code, attempt });
      if (attempt >= decodeAttempts) throw fail(photo, 'decode', failure.code, `${failure.message} (${attempt} attempts)`, attempt);
    }
  }

  /** Cached vectors where the cache has them; the rest computed by `compute` in one call. */
  async function embedWithCache(
    photos: readonly Decoded[],
    ref: { modelId: string; modelVersion: string },
    model: string,
    compute: (misses: readonly Decoded[]) => Promise<Float32Array[]>,
  ): Promise<VectorRecord[]> {
    const keys = photos.map((p) => embeddingCacheKey({ contentSha256: p.sha256, ...ref }));
    const found = await cache.getMany(keys);
    const missIdx = found.flatMap((v, i) => (v ? [] : [i]));
    if (missIdx.length > 0) {
      const computed = await compute(missIdx.map((i) => photos[i]!));
      missIdx.forEach((i, k) => (found[i] = computed[k]!));
      await cache.setMany(missIdx.map((i) => ({ key: keys[i]!, vector: found[i]! })));
    }
    const missed = new Set(missIdx);
    return found.map((v, i) => ({ model, dims: v!.length, vector: encodeVector(v!), cached: !missed.has(i) }));
  }

  async function imageEmbeddings(decoded: readonly Decoded[]): Promise<{ primary: VectorRecord[]; perceptual: VectorRecord[]; raw?: Float32Array[] }> {
    const perceptualModel = `${PERCEPTUAL_METHOD}-v${PERCEPTUAL_VERSION}`;
    const perceptual = await embedWithCache(decoded, PERCEPTUAL_REF, perceptualModel, async (misses) =>
      misses.map((d) => embedThumbnail(new Uint8Array(d.image.thumb.buffer, d.image.thumb.byteOffset, d.image.thumb.length))),
    );
    const encoder = models.imageEncoder;
    if (!encoder) return { primary: perceptual, perceptual };
    const primary = await embedWithCache(decoded, { modelId: encoder.spec.id, modelVersion: encoder.spec.version }, encoder.ref, async (misses) => {
      const end = inferenceSeconds.startTimer({ model: encoder.ref, method: 'onnx' });
      // One inference run for every photo of the batch the cache did not know.
      const { embeddings } = await encoder.embed(misses.map((d) => d.image.rgb!));
      end();
      inferenceBatchSize.observe({ model: encoder.ref }, misses.length);
      return embeddings;
    });
    if (!models.classifier) return { primary, perceptual };
    // The classifier's cached features are raw (its head scores classes from them); the album's
    // similarity space is their unit-length version.
    const raw = primary.map((r) => decodeVector(r.vector));
    const unit = primary.map((r, i) => ({ ...r, vector: encodeVector(l2Normalize(raw[i]!)) }));
    return { primary: unit, perceptual, raw };
  }

  async function facesOf(d: Decoded): Promise<FacesRecord> {
    const { detector, faceEmbedder } = models;
    if (!detector || !faceEmbedder) return { status: NOT_INSTALLED, reason: models.missing.faces ?? 'no face models' };
    const model = models.methods.faces;
    try {
      const rgb = d.image.rgb!;
      const endDetect = inferenceSeconds.startTimer({ model: detector.ref, method: 'onnx' });
      const found = await detector.detect(rgb);
      endDetect();
      const endEmbed = inferenceSeconds.startTimer({ model: faceEmbedder.ref, method: 'onnx' });
      const { embeddings } = await faceEmbedder.embedFaces(rgb, found.faces);
      endEmbed();
      // Detections are in raster pixels; results speak in the photo's own pixels.
      const sx = d.image.width / rgb.width;
      const sy = d.image.height / rgb.height;
      return {
        status: 'ok',
        model,
        faces: found.faces.map((f, i) => ({
          faceId: `${d.photo.photoId}-f${i}`,
          box: { x: Math.round(f.box.x * sx), y: Math.round(f.box.y * sy), width: Math.round(f.box.width * sx), height: Math.round(f.box.height * sy) },
          score: Math.round(f.score * 1e4) / 1e4,
          embedding: encodeVector(embeddings[i]!),
        })),
      };
    } catch (err) {
      // A face that cannot be aligned is this photo's problem, not the batch's.
      return { status: 'failed', model, code: 'FACES_FAILED', message: (err as Error).message };
    }
  }

  /**
   * Heartbeats are throttled, so the last one that reached the server before a crash can miss
   * photos whose documents were already written; the documents are the durable record, so a retry
   * reads them and does not analyse those photos a second time.
   */
  async function resumeFromDocs({ tenantId, albumId, analysisId, photos }: PhotoBatchInput, outcomes: Map<string, PhotoOutcome>): Promise<void> {
    await Promise.all(
      photos
        .filter((p) => !outcomes.has(p.photoId))
        .map(async (p) => {
          try {
            const doc = JSON.parse((await store.get(photoDocKey(tenantId, albumId, analysisId, p.photoId))).toString('utf8')) as PhotoDoc;
            outcomes.set(p.photoId, { photoId: p.photoId, ok: true, cacheHit: doc.embedding.cached });
          } catch (err) {
            // Not written (or torn by the crash): this photo is analysed again.
            if (!(err instanceof BlobNotFoundError) && !(err instanceof SyntaxError)) throw atStage('fetch', err);
          }
        }),
    );
  }

  async function analyzePhotoBatch(input: PhotoBatchInput): Promise<PhotoBatchResult> {
    const { tenantId, albumId, analysisId, photos } = input;
    trace.getActiveSpan()?.setAttributes({
      'lightbox.tenant': tenantId,
      'lightbox.album_id': albumId,
      'lightbox.photo_ids': photos.map((p) => p.photoId).join(','),
    });
    const encoder = models.imageEncoder;
    tagModel(
      encoder
        ? { id: encoder.spec.id, version: encoder.spec.version, method: 'onnx' }
        : { id: PERCEPTUAL_METHOD, version: PERCEPTUAL_VERSION, method: 'classic' },
    );
    // A retry after a crash resumes: photos already written are not analysed again.
    const resumed = (activityInfo().heartbeatDetails as BatchProgress | undefined)?.outcomes ?? [];
    const outcomes = new Map(resumed.map((o) => [o.photoId, o]));
    const { attempt } = activityInfo();
    if (attempt > 1) await resumeFromDocs(input, outcomes);
    const todo = photos.filter((p) => !outcomes.has(p.photoId));
    const report = (stage: PhotoStage) => heartbeat({ stage, attempt, outcomes: [...outcomes.values()] } satisfies BatchProgress);
    report('fetch');
    const ms: Partial<Record<Timed, number>> = {};

    const decoded: Decoded[] = [];
    await timed('decode', ms, () =>
      Promise.all(
        todo.map(async (photo) => {
          try {
            decoded.push(await fetchAndDecode(tenantId, photo));
          } catch (err) {
            if (!(err instanceof PhotoFailed)) throw err;
            await writeFailureDoc(store, { tenantId, albumId, analysisId, ref: photo, failure: err.record });
            outcomes.set(photo.photoId, { photoId: photo.photoId, ok: false, failure: err.record });
            // The batch succeeds (the album goes on), so the photo's failure is an event on its span.
            trace.getActiveSpan()?.addEvent('photo.failed', {
              'lightbox.photo_id': photo.photoId,
              'lightbox.error_code': err.record.code,
              'lightbox.stage': err.record.stage,
              'exception.message': err.record.message,
            });
          }
          report('decode');
        }),
      ),
    );
    // Upload order, whatever order the decodes finished in.
    const order = new Map(photos.map((p, i) => [p.photoId, i]));
    decoded.sort((a, b) => order.get(a.photo.photoId)! - order.get(b.photo.photoId)!);

    if (decoded.length > 0) {
      report('embedding');
      const { primary, perceptual, raw } = await timed('embedding', ms, () => imageEmbeddings(decoded));
      report('faces');
      const docs: PhotoDoc[] = [];
      for (let i = 0; i < decoded.length; i++) {
        const d = decoded[i]!;
        const quality = d.image.quality;
        const zs = models.zeroShot;
        const faces = await timed('faces', ms, () => facesOf(d));
        const hasFace = faces.status === 'ok' && faceDecidesCategory(faces.faces, d.image);
        const top = models.classifier && raw ? models.classifier.categorize(raw[i]!, hasFace) : zs ? zs.top(decodeVector(primary[i]!.vector)) : undefined;
        docs.push({
          photoId: d.photo.photoId,
          name: d.photo.name,
          analysisId,
          ref: d.photo,
          sha256: d.sha256,
          width: d.image.width,
          height: d.image.height,
          format: d.image.format ?? 'unknown',
          sizeBytes: d.bytes,
          embedding: primary[i]!,
          perceptual: perceptual[i]!,
          quality: {
            ...quality,
            blurry: quality.measures.laplacianVariance < BLUR_THRESHOLD,
            exposureVerdict: quality.measures.exposure.verdict,
            method: models.methods.quality,
          },
          category: top
            ? {
                status: 'ok',
                label: 'label' in top ? top.label : top.id,
                names: top.names,
                score: Math.round(top.score * 1e4) / 1e4,
                model: models.methods.category,
                ...('topClass' in top ? { imagenetClass: top.topClass, classes: top.classes } : {}),
              }
            : { status: NOT_INSTALLED, reason: models.missing.category ?? 'no category model' },
          faces,
          analysedAt: new Date().toISOString(),
        });
      }
      report('store');
      await timed('store', ms, () =>
        Promise.all(
          docs.map(async (doc, i) => {
            await store.put(photoDocKey(tenantId, albumId, analysisId, doc.photoId), Buffer.from(JSON.stringify(doc)), { contentType: 'application/json' });
            outcomes.set(doc.photoId, { photoId: doc.photoId, ok: true, cacheHit: primary[i]!.cached });
          }),
        ),
      );
      report('store');
    }

    const result = photos.map((p) => outcomes.get(p.photoId)!);
    for (const o of result) jobOutcomes.inc({ kind: 'photo', outcome: o.ok ? 'ok' : 'failed', code: o.ok ? '' : o.failure.code });
    log.info('photo batch analysed', { albumId, photos: photos.length, failed: result.filter((o) => !o.ok).length, ms });
    return { outcomes: result, methods: models.methods };
  }

  return { analyzePhotoBatch };
}
