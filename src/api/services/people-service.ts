/**
 * People across a tenant's albums, and word search over their photos. Reads come straight from
 * the people store and the albums' search documents; each correction is one atomic change of the
 * tenant's people document: album results are resolved through it when read, so a rename or a
 * merge touches no album and needs no workflow (see docs/people-and-search.md).
 */
import sharp from 'sharp';
import type { Config } from '../../config';
import type { PeopleStore } from '../../people/people-store';
import {
  PeopleError,
  facesByPerson,
  forgetAlbum,
  mergePeople,
  moveFace,
  personView,
  resolvePersonId,
  updatePerson,
  type StoredFace,
  type TenantPeopleDoc,
} from '../../people/tenant-people';
import type {
  MergePeopleResponse,
  MoveFaceResponse,
  PeopleListResponse,
  Person,
  PersonDetailResponse,
  PersonPhotosResponse,
  SearchReason,
  SearchResponse,
} from '../../shared/contract/people';
import { foldName, scorePhoto, type AlbumSearchDoc, type LabelSpace } from '../../search/word-search';
import { BlobNotFoundError, SIGNED_URL_TTL_SECONDS, type BlobStore } from '../../storage/blob-store';
import { albumPhotoKey, albumSearchKey, personCropKey } from '../../storage/keys';
import { decodeOffsetCursor, encodeOffsetCursor, type CursorKind } from '../cursor';
import { ApiError, type ErrorCode } from '../errors';

const CROP_PX = 160;

interface Page {
  cursor?: string;
  limit: number;
}

function paged<T>(kind: CursorKind, all: T[], page: Page): { items: T[]; nextCursor: string | null; total: number } {
  const start = page.cursor === undefined ? 0 : decodeOffsetCursor(kind, page.cursor);
  const items = all.slice(start, start + page.limit);
  return { items, nextCursor: start + page.limit < all.length ? encodeOffsetCursor(kind, start + page.limit) : null, total: all.length };
}

/** A store-level refusal as the API's error, same code. */
async function asApi<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PeopleError) throw new ApiError(err.code as ErrorCode, err.message);
    throw err;
  }
}

export class PeopleService {
  constructor(
    private readonly store: BlobStore,
    private readonly people: PeopleStore,
    private readonly config: Config,
    private readonly labels: LabelSpace,
  ) {}

  private signed(key: string) {
    return this.store.signedDownloadUrl(key, { expiresInSeconds: SIGNED_URL_TTL_SECONDS });
  }

  /** A face crop (WebP), made once and kept in the blob store; its signed URL. */
  private async cropUrl(tenantId: string, faceKey: string, face: StoredFace): Promise<string | null> {
    const key = personCropKey(tenantId, faceKey);
    if (!(await this.store.stat(key))) {
      let original: Buffer;
      try {
        original = await this.store.get(albumPhotoKey(tenantId, face.albumId, face.photoId));
      } catch (err) {
        if (err instanceof BlobNotFoundError) return null;
        throw err;
      }
      // Boxes are in EXIF-rotated pixels: rotate first, then a square around the face with some margin.
      const rotated = await sharp(original, { limitInputPixels: 150_000_000 }).rotate().toBuffer({ resolveWithObject: true });
      const { width, height } = rotated.info;
      const side = Math.round(Math.max(face.box.width, face.box.height) * 1.4);
      const cx = face.box.x + face.box.width / 2;
      const cy = face.box.y + face.box.height / 2;
      const left = Math.max(0, Math.min(width - 1, Math.round(cx - side / 2)));
      const top = Math.max(0, Math.min(height - 1, Math.round(cy - side / 2)));
      const crop = await sharp(rotated.data)
        .extract({ left, top, width: Math.max(1, Math.min(side, width - left)), height: Math.max(1, Math.min(side, height - top)) })
        .resize(CROP_PX, CROP_PX, { fit: 'cover' })
        .webp({ quality: 80 })
        .toBuffer();
      await this.store.put(key, crop, { contentType: 'image/webp' });
    }
    return (await this.signed(key)).url;
  }

  private async view(tenantId: string, doc: TenantPeopleDoc, personId: string, faces: Array<[string, StoredFace]> = []): Promise<Person> {
    const v = personView(doc, personId, faces);
    const coverFace = v.cover && faces.find(([k]) => k === v.cover!.faceId);
    return { ...v, cover: v.cover && { ...v.cover, cropUrl: coverFace ? await this.cropUrl(tenantId, coverFace[0], coverFace[1]) : null } };
  }

  async list(tenantId: string, opts: Page & { hidden: boolean }): Promise<PeopleListResponse> {
    const doc = await this.people.read(tenantId);
    const byPerson = facesByPerson(doc);
    const ids = Object.keys(doc.people)
      .filter((id) => (byPerson.get(id)?.length ?? 0) > 0 && doc.people[id]!.hidden === opts.hidden)
      // Named people first, then the most faces: the people a user looks for.
      .sort((a, b) => Number(!!doc.people[b]!.name) - Number(!!doc.people[a]!.name) || byPerson.get(b)!.length - byPerson.get(a)!.length || (a < b ? -1 : 1));
    const page = paged('people', ids, opts);
    const items = await Promise.all(page.items.map((id) => this.view(tenantId, doc, id, byPerson.get(id))));
    return { items, nextCursor: page.nextCursor, page: { limit: opts.limit, total: page.total, nextCursor: page.nextCursor } };
  }

  private resolve(doc: TenantPeopleDoc, personId: string): string {
    const id = resolvePersonId(doc, personId);
    if (!id) throw new ApiError('PERSON_NOT_FOUND', `No person ${personId}`);
    return id;
  }

  async get(tenantId: string, personId: string): Promise<PersonDetailResponse> {
    const doc = await this.people.read(tenantId);
    const id = this.resolve(doc, personId);
    const faces = facesByPerson(doc).get(id) ?? [];
    return {
      ...(await this.view(tenantId, doc, id, faces)),
      ...(id !== personId ? { mergedFrom: personId } : {}),
      faceList: await Promise.all(
        faces.slice(0, 200).map(async ([faceId, f]) => ({
          faceId,
          albumId: f.albumId,
          photoId: f.photoId,
          box: f.box,
          score: f.score,
          cropUrl: await this.cropUrl(tenantId, faceId, f),
        })),
      ),
    };
  }

  private async searchDoc(tenantId: string, albumId: string, analysisId: string): Promise<AlbumSearchDoc | undefined> {
    try {
      return JSON.parse((await this.store.get(albumSearchKey(tenantId, albumId, analysisId))).toString('utf8')) as AlbumSearchDoc;
    } catch (err) {
      if (err instanceof BlobNotFoundError) return undefined;
      throw err;
    }
  }

  private async photoItem(tenantId: string, albumId: string, photoId: string, name: string | undefined) {
    const signed = await this.signed(albumPhotoKey(tenantId, albumId, photoId));
    return {
      albumId,
      photoId,
      name: name ?? photoId,
      url: signed.url,
      urlExpiresAt: signed.expiresAt.toISOString(),
      thumbnailUrl: `/v1/albums/${albumId}/photos/${photoId}/thumbnail`,
    };
  }

  async photos(tenantId: string, personId: string, page: Page): Promise<PersonPhotosResponse> {
    const doc = await this.people.read(tenantId);
    const id = this.resolve(doc, personId);
    const byPhoto = new Map<string, { albumId: string; photoId: string; faces: string[] }>();
    for (const [faceId, f] of facesByPerson(doc).get(id) ?? []) {
      const k = `${f.albumId}/${f.photoId}`;
      const entry = byPhoto.get(k) ?? { albumId: f.albumId, photoId: f.photoId, faces: [] };
      entry.faces.push(faceId);
      byPhoto.set(k, entry);
    }
    const all = [...byPhoto.values()].sort((a, b) => (a.albumId + a.photoId < b.albumId + b.photoId ? -1 : 1));
    const p = paged('person-photos', all, page);
    const docs = new Map<string, AlbumSearchDoc | undefined>();
    const items = [];
    for (const e of p.items) {
      if (!docs.has(e.albumId)) docs.set(e.albumId, await this.searchDoc(tenantId, e.albumId, doc.albums[e.albumId]?.analysisId ?? 'a1'));
      items.push({ ...(await this.photoItem(tenantId, e.albumId, e.photoId, docs.get(e.albumId)?.photos[e.photoId]?.name)), faces: e.faces });
    }
    return { personId: id, items, nextCursor: p.nextCursor, page: { limit: page.limit, total: p.total, nextCursor: p.nextCursor } };
  }

  async update(tenantId: string, personId: string, patch: { name?: string | null; hidden?: boolean; coverFaceId?: string }): Promise<PersonDetailResponse> {
    const now = new Date().toISOString();
    const id = await asApi(() =>
      this.people.update(tenantId, (doc) =>
        updatePerson(
          doc,
          personId,
          {
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.hidden !== undefined ? { hidden: patch.hidden } : {}),
            ...(patch.coverFaceId !== undefined ? { coverFace: patch.coverFaceId } : {}),
          },
          now,
        ),
      ),
    );
    return this.get(tenantId, id);
  }

  async merge(tenantId: string, personId: string, personIds: string[]): Promise<MergePeopleResponse> {
    const now = new Date().toISOString();
    const result = await asApi(() => this.people.update(tenantId, (doc) => mergePeople(doc, personId, personIds, now)));
    return { ...result, person: await this.get(tenantId, result.personId) };
  }

  async moveFace(tenantId: string, personId: string, faceId: string, toPersonId: string | undefined): Promise<MoveFaceResponse> {
    const now = new Date().toISOString();
    const result = await asApi(() => this.people.update(tenantId, (doc) => moveFace(doc, personId, faceId, toPersonId, now)));
    return { ...result, person: await this.get(tenantId, result.to) };
  }

  /** The album's people as the tenant knows them now (names, merges, moves), for its results. */
  async albumPeople(tenantId: string, albumId: string) {
    const doc = await this.people.read(tenantId);
    if (!doc.albums[albumId]) return undefined;
    const people = new Map<string, Array<[string, StoredFace]>>();
    for (const [id, faces] of facesByPerson(doc)) {
      const here = faces.filter(([, f]) => f.albumId === albumId);
      if (here.length > 0 && !doc.people[id]!.hidden) people.set(id, here);
    }
    return [...people]
      .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
      .map(([id, faces]) => ({
        personId: id,
        name: doc.people[id]!.name ?? null,
        photoIds: [...new Set(faces.map(([, f]) => f.photoId))].sort(),
        faces: faces.length,
        crops: faces.slice(0, 3).map(([faceId, f]) => ({ faceId, photoId: f.photoId, box: f.box })),
      }));
  }

  /** Forgets a purged album's faces. */
  forgetAlbum(tenantId: string, albumId: string): Promise<void> {
    return this.people.update(tenantId, (doc) => forgetAlbum(doc, albumId));
  }

  async search(tenantId: string, q: { q: string; albumId?: string; personId?: string } & Page): Promise<SearchResponse> {
    const doc = await this.people.read(tenantId);
    const personFilter = q.personId === undefined ? undefined : this.resolve(doc, q.personId);
    const byPerson = facesByPerson(doc);
    const photosOf = (id: string) => new Set((byPerson.get(id) ?? []).map(([, f]) => `${f.albumId}/${f.photoId}`));
    const allowed = personFilter === undefined ? undefined : photosOf(personFilter);

    const query = foldName(q.q);
    const named = Object.values(doc.people).filter(
      (p) => !p.hidden && p.name && (foldName(p.name) === query || (query.length >= 2 && foldName(p.name).includes(query))),
    );
    // A query that is someone's name is a name: label matching is relative to the query's
    // closest labels, so it would also pull in whatever label a name happens to sit near.
    const matched = named.length > 0 ? await this.labels.noMatch() : await this.labels.match(q.q);

    type Hit = { albumId: string; photoId: string; name?: string; score: number; reasons: SearchReason[] };
    const hits = new Map<string, Hit>();
    const albums = Object.entries(doc.albums).filter(([albumId]) => q.albumId === undefined || albumId === q.albumId);
    for (const [albumId, { analysisId }] of albums) {
      const sdoc = await this.searchDoc(tenantId, albumId, analysisId);
      for (const [photoId, labels] of Object.entries(sdoc?.photos ?? {})) {
        const key = `${albumId}/${photoId}`;
        if (allowed && !allowed.has(key)) continue;
        const hit = scorePhoto(labels, matched);
        if (hit) hits.set(key, { albumId, photoId, name: labels.name, score: hit.score, reasons: hit.reasons });
      }
      for (const person of named) {
        for (const key of photosOf(person.personId)) {
          if (!key.startsWith(`${albumId}/`) || (allowed && !allowed.has(key))) continue;
          const photoId = key.slice(albumId.length + 1);
          const prev = hits.get(key);
          // A name is the user's own word for the photo: it outranks any label.
          const reason: SearchReason = { kind: 'person', personId: person.personId, name: person.name!, score: 1 };
          hits.set(key, { albumId, photoId, name: sdoc?.photos[photoId]?.name, score: 1, reasons: [reason, ...(prev?.reasons ?? [])] });
        }
      }
    }
    const ranked = [...hits.values()].sort((a, b) => b.score - a.score || (a.albumId + a.photoId < b.albumId + b.photoId ? -1 : 1));
    const page = paged('photo-search', ranked, q);
    const items = await Promise.all(
      page.items.map(async (h) => ({ ...(await this.photoItem(tenantId, h.albumId, h.photoId, h.name)), score: h.score, reasons: h.reasons })),
    );
    return {
      query: q.q,
      embedding: matched.embedding,
      method: matched.method,
      matchedLabels: [...matched.classes.values(), ...matched.categories.values()].sort((a, b) => b.score - a.score),
      items,
      nextCursor: page.nextCursor,
      page: { limit: q.limit, total: page.total, nextCursor: page.nextCursor },
    };
  }
}
