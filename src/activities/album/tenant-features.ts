/**
 * What the album step hands to tenant-wide features, written at analysis time so nothing is
 * recomputed per query: the album's faces into the tenant's people (matched to those already
 * known), and each photo's labels into the album's search document.
 */
import type { PhotoDoc } from './photo-doc';
import { decodeVector } from '../../vectors/float32-codec';
import type { BlobStore } from '../../storage/blob-store';
import type { PeopleStore } from '../../people/people-store';
import { albumSearchKey } from '../../storage/keys';
import type { AlbumSearchDoc } from '../../search/word-search';
import { assignAlbumFaces } from '../../people/tenant-people';

export function albumSearchDoc(albumId: string, analysisId: string, docs: readonly PhotoDoc[]): AlbumSearchDoc {
  return {
    albumId,
    analysisId,
    photos: Object.fromEntries(
      docs.map((d) => [
        d.photoId,
        {
          name: d.name,
          ...(d.category.status === 'ok'
            ? { category: { id: d.category.label, en: d.category.names.en, ko: d.category.names.ko, score: d.category.score } }
            : {}),
          classes:
            d.category.status === 'ok'
              ? (d.category.classes ?? (d.category.imagenetClass ? [{ name: d.category.imagenetClass, p: d.category.score }] : []))
              : [],
        },
      ]),
    ),
  };
}

export async function recordAlbumForTenant(
  deps: { store: BlobStore; people: PeopleStore },
  input: {
    tenantId: string;
    albumId: string;
    analysisId: string;
    docs: readonly PhotoDoc[];
    clusters: string[][];
    metric: 'cosine' | 'euclidean';
    eps: number;
  },
): Promise<Map<string, string>> {
  const { tenantId, albumId, analysisId, docs } = input;
  await deps.store.put(albumSearchKey(tenantId, albumId, analysisId), Buffer.from(JSON.stringify(albumSearchDoc(albumId, analysisId, docs))), {
    contentType: 'application/json',
  });
  const model = docs.find((d) => d.faces.status === 'ok')?.faces as { model?: string } | undefined;
  const faces = docs.flatMap((d) =>
    d.faces.status === 'ok'
      ? d.faces.faces.map((f) => ({ faceId: f.faceId, photoId: d.photoId, box: f.box, score: f.score, descriptor: decodeVector(f.embedding) }))
      : [],
  );
  const now = new Date().toISOString();
  return deps.people.update(tenantId, (doc) =>
    assignAlbumFaces(doc, { albumId, analysisId, model: model?.model ?? 'none', metric: input.metric, eps: input.eps, faces, clusters: input.clusters, now }),
  );
}
