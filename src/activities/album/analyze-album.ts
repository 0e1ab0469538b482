/**
 * The album half of the pipeline, run once the album's photos are in (and again for that album
 * only when photos arrive later): reads every per-photo document of the analysis from the blob
 * store, then duplicate groups (copy detection on the perceptual embedding, its calibrated
 * threshold), similar shots (the semantic embedding), people (DBSCAN over face embeddings, in
 * the face model's own distance), highlights (quality, uniqueness, faces, subject and variety;
 * one photo per duplicate group, spread over similar-shot groups), and writes the results.
 */
import { trace } from '@opentelemetry/api';
import { heartbeat, log } from '@temporalio/activity';
import { compareIds, duplicateThresholdFor, findDuplicateGroups } from '../../analysis/duplicates';
import { DEFAULT_DIVERSITY, HIGHLIGHT_COUNT, HIGHLIGHT_MIN_QUALITY, pickHighlights } from '../../analysis/highlights';
import { keptPhotos } from '../../analysis/kept-photos';
import { clusterPeople, PEOPLE_EPS, PEOPLE_MIN_FACES, type Face } from '../../analysis/people';
import { DEFAULT_SIMILAR_THRESHOLD, findSimilarShots } from '../../analysis/similar';
import { getModelSpec } from '../../models/registry';
import { PERCEPTUAL_METHOD_ID } from '../../analysis/perceptual-embedding';
import { PERSON_CROPS, type AlbumAnalysisInput, type AlbumAnalysisSummary, type AlbumResultsDoc } from '../../shared/album';
import type { BlobStore } from '../../storage/blob-store';
import { stageSeconds } from '../../telemetry/metrics';
import { albumResultsKey, failureDocsPrefix, photoDocsPrefix } from '../../storage/keys';
import { decodeVector } from '../../vectors/float32-codec';
import { listJson, readJsonDocs, type FailureDoc, type PhotoDoc } from './photo-doc';
import { NOT_INSTALLED } from './photo-models';
import { recordAlbumForTenant } from './tenant-features';
import type { PeopleStore } from '../../people/people-store';

export interface AlbumAnalysisSettings {
  /** Unset → the perceptual method's calibrated threshold (duplicateThresholdFor). */
  duplicateThreshold?: number;
  peopleEps: number;
  peopleMinFaces: number;
  highlightCount: number;
  highlightDiversity: number;
  /** A photo under this quality score (0–1) is never a highlight, however unique. */
  highlightMinQuality: number;
  /** Cosine on the semantic embedding for similar shots. */
  similarThreshold: number;
}

/** What the CPU worker runs with; each value's reason is beside its constant. */
export const ALBUM_ANALYSIS_SETTINGS: AlbumAnalysisSettings = {
  peopleEps: PEOPLE_EPS,
  peopleMinFaces: PEOPLE_MIN_FACES,
  highlightCount: HIGHLIGHT_COUNT,
  highlightDiversity: DEFAULT_DIVERSITY,
  highlightMinQuality: HIGHLIGHT_MIN_QUALITY,
  similarThreshold: DEFAULT_SIMILAR_THRESHOLD,
};

/** The face model's own distance: dlib's descriptor is Euclidean on raw vectors, ArcFace cosine. */
export function faceMetricOf(facesMethod: string | undefined): 'cosine' | 'euclidean' {
  const embedder = facesMethod?.split('+')[1]?.split('@')[0];
  if (!embedder) return 'cosine';
  try {
    return getModelSpec(embedder).distance ?? 'cosine';
  } catch {
    return 'cosine';
  }
}

/** `people`: the tenant's people and word search are fed from each album step (left out, the album stands alone). */
export function createAlbumAnalysisActivities({
  store,
  settings: overrides,
  people: tenantPeople,
}: {
  store: BlobStore;
  /** Tests and the eval try other values here; production takes ALBUM_ANALYSIS_SETTINGS. */
  settings?: Partial<AlbumAnalysisSettings>;
  people?: PeopleStore;
}) {
  const settings = { ...ALBUM_ANALYSIS_SETTINGS, ...overrides };
  async function analyzeAlbum({ tenantId, albumId, analysisId }: AlbumAnalysisInput): Promise<AlbumAnalysisSummary> {
    const started = Date.now();
    const end = stageSeconds.startTimer({ kind: 'album', stage: 'album' });
    trace.getActiveSpan()?.setAttributes({ 'lightbox.tenant': tenantId, 'lightbox.album_id': albumId });
    const docs = (await readJsonDocs<PhotoDoc>(store, await listJson(store, photoDocsPrefix(tenantId, albumId, analysisId)))).filter(
      (d) => d.analysisId === analysisId,
    );
    const analysed = new Set(docs.map((d) => d.photoId));
    // A photo that failed once and was analysed on a later try counts as analysed.
    const failed = (await readJsonDocs<FailureDoc>(store, await listJson(store, failureDocsPrefix(tenantId, albumId, analysisId))))
      .filter((f) => f.analysisId === analysisId && !analysed.has(f.photoId))
      .map(({ photoId, name, stage, code, message, model, attempts }) => ({ photoId, name, stage, code, message, attempts, ...(model ? { model } : {}) }));
    heartbeat({ read: docs.length });

    const threshold = duplicateThresholdFor(PERCEPTUAL_METHOD_ID, settings.duplicateThreshold);
    const duplicates = findDuplicateGroups(
      docs.map((d) => ({ photoId: d.photoId, embedding: decodeVector(d.perceptual.vector) })),
      threshold,
    );
    heartbeat({ stage: 'duplicates', groups: duplicates.length });

    const faceDocs = docs.filter((d) => d.faces.status === 'ok');
    let people: AlbumResultsDoc['people'];
    let clusters: string[][] = [];
    let metric: 'cosine' | 'euclidean' = 'cosine';
    if (faceDocs.length === 0 && docs.some((d) => d.faces.status === NOT_INSTALLED)) {
      const missing = docs.find((d) => d.faces.status === NOT_INSTALLED)!.faces as { reason: string };
      people = { status: NOT_INSTALLED, reason: missing.reason };
    } else {
      const faces: Face[] = faceDocs.flatMap((d) =>
        d.faces.status === 'ok' ? d.faces.faces.map((f) => ({ faceId: f.faceId, photoId: d.photoId, embedding: decodeVector(f.embedding) })) : [],
      );
      const facesModel = faceDocs.find((d) => d.faces.status === 'ok')?.faces as { model?: string } | undefined;
      metric = faceMetricOf(facesModel?.model);
      const faceById = new Map(
        faceDocs.flatMap((d) => (d.faces.status === 'ok' ? d.faces.faces.map((f) => [f.faceId, { photoId: d.photoId, face: f }] as const) : [])),
      );
      const clustered = clusterPeople(faces, { eps: settings.peopleEps, minFaces: settings.peopleMinFaces, metric }).people;
      clusters = clustered.map((p) => p.faceIds);
      people = clustered.map((p) => ({
        personId: p.personId,
        photoIds: p.photoIds,
        faces: p.faceIds.length,
        crops: p.faceIds
          .map((id) => faceById.get(id)!)
          .sort((a, b) => b.face.score - a.face.score || compareIds(a.photoId, b.photoId))
          .slice(0, PERSON_CROPS)
          .map(({ photoId, face }) => ({ photoId, box: face.box })),
      }));
    }
    if (tenantPeople) {
      await recordAlbumForTenant({ store, people: tenantPeople }, { tenantId, albumId, analysisId, docs, clusters, metric, eps: settings.peopleEps });
    }
    heartbeat({ stage: 'people' });

    // Similar shots need a semantic embedding; the perceptual fallback only knows copies.
    const semantic = docs.length > 0 && docs.every((d) => d.embedding.model !== d.perceptual.model);
    const similarThreshold = settings.similarThreshold;
    const similarGroups = semantic
      ? findSimilarShots(
          docs.map((d) => ({ photoId: d.photoId, embedding: decodeVector(d.embedding.vector), quality: d.quality.score })),
          similarThreshold,
        )
      : [];
    heartbeat({ stage: 'similar', groups: similarGroups.length });

    // Candidates clear an absolute quality floor; each duplicate group is still represented by its best.
    const highlights = pickHighlights(
      docs
        .filter((d) => d.quality.score >= settings.highlightMinQuality)
        .map((d) => ({
          photoId: d.photoId,
          embedding: decodeVector(d.embedding.vector),
          laplacianVariance: d.quality.measures.laplacianVariance,
          exposure: d.quality.measures.exposure,
          width: d.width,
          height: d.height,
          noiseSigma: d.quality.measures.noiseSigma,
          ...(d.faces.status === 'ok' ? { faces: d.faces.faces.length } : {}),
          ...(d.category.status === 'ok' ? { subject: d.category.label === 'other' ? 0 : d.category.score } : {}),
        })),
      {
        count: settings.highlightCount,
        duplicateGroups: duplicates,
        diversity: settings.highlightDiversity,
        similarGroups: similarGroups.map((g) => g.photoIds),
      },
    );

    const first = docs[0];
    const doc: AlbumResultsDoc = {
      albumId,
      analysisId,
      generatedAt: new Date().toISOString(),
      photoCount: docs.length,
      photos: Object.fromEntries(docs.map((d) => [d.photoId, { name: d.name, width: d.width, height: d.height, format: d.format }])),
      highlights: highlights.map((h) => h.photoId),
      failed,
      highlightScores: highlights.map((h) => ({ photoId: h.photoId, score: Math.round(h.score * 1e4) / 1e4, represents: h.reasons.represents })),
      duplicates,
      duplicateGroups: [],
      similar: semantic ? similarGroups : { status: NOT_INSTALLED, reason: 'similar shots need a semantic image model; copies are still found' },
      people,
      categories: Object.fromEntries(
        docs.map((d) => [
          d.photoId,
          d.category.status === 'ok'
            ? {
                label: d.category.label,
                names: d.category.names,
                score: d.category.score,
                ...(d.category.imagenetClass ? { imagenetClass: d.category.imagenetClass } : {}),
              }
            : { status: NOT_INSTALLED },
        ]),
      ),
      quality: Object.fromEntries(
        docs.map((d) => [
          d.photoId,
          {
            score: d.quality.score,
            blurry: d.quality.blurry,
            blur: d.quality.measures.laplacianVariance,
            exposure: d.quality.exposureVerdict,
            sharpness: d.quality.components.sharpness,
            noise: d.quality.components.noise,
            resolution: d.quality.components.resolution,
            megapixels: d.quality.measures.megapixels,
          },
        ]),
      ),
      models: {
        embedding: first?.embedding.model ?? 'none',
        category: first?.category.status === 'ok' ? first.category.model : NOT_INSTALLED,
        faces: first?.faces.status === 'ok' || first?.faces.status === 'failed' ? first.faces.model : NOT_INSTALLED,
        quality: first?.quality.method ?? 'none',
        duplicates: { method: PERCEPTUAL_METHOD_ID, threshold },
        ...(semantic ? { similar: { method: first!.embedding.model, threshold: similarThreshold } } : {}),
        people: { eps: settings.peopleEps, minFaces: settings.peopleMinFaces },
        highlights: { count: settings.highlightCount, diversity: settings.highlightDiversity, minQuality: settings.highlightMinQuality },
      },
    };
    doc.duplicateGroups = keptPhotos({ groups: duplicates, highlightScores: doc.highlightScores, quality: doc.quality, photos: doc.photos });
    const resultsKey = albumResultsKey(tenantId, albumId, analysisId);
    await store.put(resultsKey, Buffer.from(JSON.stringify(doc)), { contentType: 'application/json' });
    end();
    const summary = {
      resultsKey,
      photos: docs.length,
      highlights: doc.highlights.length,
      duplicateGroups: duplicates.length,
      people: Array.isArray(people) ? people.length : 0,
      durationMs: Date.now() - started,
    };
    log.info('album analysed', { albumId, ...summary });
    return summary;
  }

  return { analyzeAlbum };
}
