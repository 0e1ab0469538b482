/**
 * What an album produced, read from the blob store: the results document (with the tenant's
 * people as named now), its pages with signed photo URLs, thumbnails and single-photo URLs.
 * AlbumService runs the album; this only reads what its workflow wrote.
 */
import type { PeopleService } from './people-service';
import type { AlbumService } from './album-service';
import type { AlbumResultsDoc } from '../../shared/album';
import { keptPhotos } from '../../analysis/kept-photos';
import type { BlobStore } from '../../storage/blob-store';
import { BlobNotFoundError, SIGNED_URL_TTL_SECONDS } from '../../storage/blob-store';
import { albumPhotoKey, albumThumbnailKey } from '../../storage/keys';
import { decodeCursor, encodeCursor } from '../cursor';
import { ApiError } from '../errors';

const THUMBNAIL_PX = 256;

/** A results page's cursor: the last photoId of the page before, behind the API's checksum. */
const resultsCursor = (photoId: string) => encodeCursor('results', Buffer.from(photoId, 'utf8'));
function afterOf(cursor: string): string {
  const photoId = decodeCursor('results', cursor).toString('utf8');
  if (!/^ph_[a-z0-9]{8,64}$/.test(photoId)) throw new ApiError('INVALID_CURSOR', 'cursor is not one this API gave out');
  return photoId;
}

export class AlbumResultsService {
  constructor(
    /** The album's live status (and ALBUM_NOT_FOUND) comes from its workflow. */
    private readonly albums: Pick<AlbumService, 'status'>,
    private readonly store: BlobStore,
    /** The tenant's people: album results show them as named and corrected now. */
    private readonly people?: Pick<PeopleService, 'albumPeople'>,
  ) {}

  /** Live status from the workflow; the album-wide results from the blob store, by the key the workflow holds. */
  async results(tenantId: string, albumId: string) {
    const view = await this.albums.status(tenantId, albumId);
    let doc: AlbumResultsDoc | undefined;
    if (view.resultsKey) {
      try {
        doc = JSON.parse((await this.store.get(view.resultsKey)).toString('utf8')) as AlbumResultsDoc;
      } catch (err) {
        if (!(err instanceof BlobNotFoundError)) throw err;
      }
    }
    const tenantPeople = Array.isArray(doc?.people) ? await this.people?.albumPeople(tenantId, albumId) : undefined;
    const failed = new Map((doc?.failed ?? []).map((f) => [f.photoId, f]));
    for (const f of view.failed) if (!failed.has(f.photoId)) failed.set(f.photoId, f);
    return {
      albumId,
      status: view.status,
      analysis: view.analysis,
      counts: view.counts,
      progress: view.progress,
      // Results cover the photos analysed when the album step last ran; `upToDate` says whether that is all of them.
      upToDate: view.progress.album.upToDate && view.counts.pending === 0,
      generatedAt: doc?.generatedAt ?? null,
      photos: doc?.photos ?? {},
      highlights: doc?.highlights ?? [],
      highlightScores: doc?.highlightScores ?? [],
      duplicates: doc?.duplicates ?? [],
      // Results written before the album step named the kept photo get it from the same rule here.
      duplicateGroups: doc
        ? (doc.duplicateGroups ?? keptPhotos({ groups: doc.duplicates, highlightScores: doc.highlightScores, quality: doc.quality, photos: doc.photos }))
        : [],
      similar: doc?.similar ?? [],
      people: tenantPeople ?? doc?.people ?? [],
      categories: doc?.categories ?? {},
      quality: doc?.quality ?? {},
      failed: [...failed.values()].map(({ photoId, name, code, message, stage, attempts, model }) => ({
        photoId,
        name,
        code,
        message,
        stage,
        attempts,
        ...(model ? { model } : {}),
      })),
      models: doc?.models ?? view.methods ?? {},
    };
  }

  /**
   * One page of results: album-wide fields (highlights, groups, people, models) whole, and the
   * per-photo ones (photos, categories, quality) for the page's photos only, plus `items` with a
   * signed photo URL and a thumbnail URL each. Pages follow photoId order; `nextCursor` is opaque.
   */
  async resultsPage(tenantId: string, albumId: string, page: { cursor?: string; limit: number }) {
    const full = await this.results(tenantId, albumId);
    const ids = [...new Set([...Object.keys(full.photos), ...full.failed.map((f) => f.photoId)])].sort();
    const after = page.cursor === undefined ? undefined : afterOf(page.cursor);
    const start = after === undefined ? 0 : ids.findIndex((id) => id > after);
    const pageIds = start < 0 ? [] : ids.slice(start, start + page.limit);
    const last = pageIds.at(-1);
    const nextCursor = last !== undefined && start + page.limit < ids.length ? resultsCursor(last) : null;
    const failed = new Map(full.failed.map((f) => [f.photoId, f]));
    const pick = <V>(m: Record<string, V>) => Object.fromEntries(pageIds.filter((id) => id in m).map((id) => [id, m[id]!]));
    const items = await Promise.all(
      pageIds.map(async (photoId) => {
        const signed = await this.store.signedDownloadUrl(albumPhotoKey(tenantId, albumId, photoId), { expiresInSeconds: SIGNED_URL_TTL_SECONDS });
        const info = full.photos[photoId];
        return {
          photoId,
          name: info?.name ?? failed.get(photoId)?.name ?? photoId,
          ...(info ? { width: info.width, height: info.height, format: info.format } : {}),
          ...(full.categories[photoId] ? { category: full.categories[photoId] } : {}),
          ...(full.quality[photoId] ? { quality: full.quality[photoId] } : {}),
          ...(failed.has(photoId) ? { failure: failed.get(photoId) } : {}),
          url: signed.url,
          urlExpiresAt: signed.expiresAt.toISOString(),
          thumbnailUrl: `/v1/albums/${albumId}/photos/${photoId}/thumbnail`,
        };
      }),
    );
    return {
      ...full,
      photos: pick(full.photos),
      categories: pick(full.categories),
      quality: pick(full.quality),
      items,
      // Top-level too: the same field name as every other paged answer (albums, jobs).
      nextCursor,
      page: { limit: page.limit, total: ids.length, nextCursor },
    };
  }

  /** A small WebP of one photo, made once with sharp and cached next to the photo. */
  async thumbnail(tenantId: string, albumId: string, photoId: string): Promise<Buffer> {
    const thumbKey = albumThumbnailKey(tenantId, albumId, photoId);
    try {
      return await this.store.get(thumbKey);
    } catch (err) {
      if (!(err instanceof BlobNotFoundError)) throw err;
    }
    let original: Buffer;
    try {
      original = await this.store.get(albumPhotoKey(tenantId, albumId, photoId));
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw new ApiError('PHOTO_NOT_FOUND', `No photo ${photoId} in album ${albumId}`);
      throw err;
    }
    const { default: sharp } = await import('sharp');
    const thumb = await sharp(original, { limitInputPixels: 100_000_000 })
      .rotate()
      .resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 70 })
      .toBuffer()
      .catch(() => {
        throw new ApiError('THUMBNAIL_UNAVAILABLE', `Photo ${photoId} cannot be decoded into a thumbnail`);
      });
    await this.store.put(thumbKey, thumb, { contentType: 'image/webp' });
    return thumb;
  }

  /** A signed, expiring download URL for one photo of the album. */
  async photoUrl(tenantId: string, albumId: string, photoId: string) {
    await this.albums.status(tenantId, albumId);
    const key = albumPhotoKey(tenantId, albumId, photoId);
    const meta = await this.store.stat(key);
    if (!meta) throw new ApiError('PHOTO_NOT_FOUND', `No photo ${photoId} in album ${albumId}`);
    const signed = await this.store.signedDownloadUrl(key, { expiresInSeconds: SIGNED_URL_TTL_SECONDS });
    return { photoId, contentType: meta.contentType, size: meta.size, ...signed };
  }
}
