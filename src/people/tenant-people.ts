/**
 * A tenant's people, across albums: the document a PeopleStore keeps (one per tenant) and every
 * change to it, as pure functions over the document. The store adapters only load, lock and save.
 *
 * A person is the set of faces assigned to them, an optional name, a cover face and a hidden
 * flag. A face is keyed by `<albumId>.<faceId>` (faceId is `<photoId>-f<n>`) and carries its
 * descriptor, so a later album is matched against every face already known.
 *
 * Re-analysis keeps corrections: a face seen before (same key, descriptor within eps/2 of the
 * one stored) keeps the person it had, whatever the clustering says now; only new faces are
 * matched. Merged ids stay as redirects, so an old link still finds the person.
 */
import type { FaceBox } from '../shared/album';

export interface StoredFace {
  albumId: string;
  photoId: string;
  faceId: string;
  box: FaceBox;
  score: number;
  /** `id@version` of the face model: descriptors of different models are never compared. */
  model: string;
  /** Base64 float32, in the face model's own space. */
  descriptor: string;
  personId: string;
}

export interface StoredPerson {
  personId: string;
  name?: string;
  hidden: boolean;
  /** A face key the user chose; otherwise the best-scored face is the cover. */
  coverFace?: string;
  createdAt: string;
  updatedAt: string;
}

export interface TenantPeopleDoc {
  version: 1;
  nextId: number;
  people: Record<string, StoredPerson>;
  faces: Record<string, StoredFace>;
  /** Merged-away id → the id it went into. */
  mergedInto: Record<string, string>;
  /** The analysis each album's faces come from. */
  albums: Record<string, { analysisId: string; at: string }>;
}

export function emptyPeopleDoc(): TenantPeopleDoc {
  return { version: 1, nextId: 1, people: {}, faces: {}, mergedInto: {}, albums: {} };
}

export const faceKeyOf = (albumId: string, faceId: string) => `${albumId}.${faceId}`;

/** The living id a (possibly merged-away) person id now means, or undefined when unknown. */
export function resolvePersonId(doc: TenantPeopleDoc, personId: string): string | undefined {
  let id = personId;
  for (let hops = 0; hops < 64 && doc.mergedInto[id]; hops++) id = doc.mergedInto[id]!;
  return doc.people[id] ? id : undefined;
}

export class PeopleError extends Error {
  override readonly name = 'PeopleError';
  constructor(
    readonly code: 'PERSON_NOT_FOUND' | 'FACE_NOT_FOUND' | 'FACE_NOT_IN_PERSON' | 'MERGE_INTO_ITSELF' | 'INVALID_PERSON_NAME',
    message: string,
  ) {
    super(message);
  }
}

function requirePerson(doc: TenantPeopleDoc, personId: string): string {
  const id = resolvePersonId(doc, personId);
  if (!id) throw new PeopleError('PERSON_NOT_FOUND', `No person ${personId}`);
  return id;
}

function newPerson(doc: TenantPeopleDoc, now: string): string {
  const personId = `pe_${(doc.nextId++).toString(36).padStart(4, '0')}`;
  doc.people[personId] = { personId, hidden: false, createdAt: now, updatedAt: now };
  return personId;
}

/** Longest person name; names are shown in lists and crops, not essays. */
export const MAX_PERSON_NAME_CHARS = 100;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The name as stored (NFC, trimmed), or null to clear it; throws INVALID_PERSON_NAME. */
export function normalizePersonName(name: string | null): string | null {
  if (name === null) return null;
  const n = name.normalize('NFC').trim();
  if (CONTROL.test(n)) throw new PeopleError('INVALID_PERSON_NAME', 'A name may not contain control characters');
  if ([...n].length > MAX_PERSON_NAME_CHARS) throw new PeopleError('INVALID_PERSON_NAME', `A name is at most ${MAX_PERSON_NAME_CHARS} characters`);
  return n === '' ? null : n;
}

// ---- album assignment ------------------------------------------------------------------------

export interface AlbumFaceInput {
  faceId: string;
  photoId: string;
  box: FaceBox;
  score: number;
  descriptor: Float32Array;
}

export interface AlbumAssignmentInput {
  albumId: string;
  analysisId: string;
  model: string;
  metric: 'cosine' | 'euclidean';
  eps: number;
  faces: AlbumFaceInput[];
  /** The album's own clusters (faceIds), people first by size; faces in none are noise. */
  clusters: string[][];
  now: string;
}

export function faceDistance(a: Float32Array, b: Float32Array, metric: 'cosine' | 'euclidean'): number {
  let s = 0;
  if (metric === 'euclidean') {
    for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
    return Math.sqrt(s);
  }
  let na = 0;
  let nb = 0;
  for (let k = 0; k < a.length; k++) {
    s += a[k]! * b[k]!;
    na += a[k]! ** 2;
    nb += b[k]! ** 2;
  }
  return 1 - s / Math.sqrt(na * nb || 1);
}

export const encodeDescriptor = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
export function decodeDescriptor(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/**
 * Replaces an album's faces in the tenant's people: faces seen before keep their person; each
 * album cluster goes to the known person most of its faces are nearest to (within eps), or to a
 * new person; a lone face joins a known person when it is within eps of one, else stays out.
 * Returns faceId → personId for the album's assigned faces.
 */
export function assignAlbumFaces(doc: TenantPeopleDoc, input: AlbumAssignmentInput): Map<string, string> {
  const { albumId, model, metric, eps, now } = input;
  const previous = new Map<string, StoredFace>();
  for (const [key, f] of Object.entries(doc.faces)) {
    if (f.albumId === albumId) {
      previous.set(f.faceId, f);
      delete doc.faces[key];
    }
  }
  const references = Object.values(doc.faces)
    .filter((f) => f.model === model && resolvePersonId(doc, f.personId))
    .map((f) => ({ personId: resolvePersonId(doc, f.personId)!, d: decodeDescriptor(f.descriptor) }));
  const nearestPerson = (d: Float32Array): string | undefined => {
    let best: string | undefined;
    let bestDist = eps;
    for (const r of references) {
      const dist = faceDistance(d, r.d, metric);
      if (dist <= bestDist) {
        bestDist = dist;
        best = r.personId;
      }
    }
    return best;
  };
  const byId = new Map(input.faces.map((f) => [f.faceId, f]));
  const assigned = new Map<string, string>();
  const keep = (face: AlbumFaceInput, personId: string) => {
    assigned.set(face.faceId, personId);
    doc.faces[faceKeyOf(albumId, face.faceId)] = {
      albumId,
      photoId: face.photoId,
      faceId: face.faceId,
      box: face.box,
      score: face.score,
      model,
      descriptor: encodeDescriptor(face.descriptor),
      personId,
    };
  };
  // A face seen before, still the same face: its person (after merges) is a correction or an earlier decision.
  const priorPerson = (face: AlbumFaceInput): string | undefined => {
    const old = previous.get(face.faceId);
    if (!old || old.model !== model) return undefined;
    if (faceDistance(face.descriptor, decodeDescriptor(old.descriptor), metric) > eps / 2) return undefined;
    return resolvePersonId(doc, old.personId);
  };

  const clustered = new Set<string>();
  for (const cluster of input.clusters) {
    const faces = cluster.map((id) => byId.get(id)).filter((f): f is AlbumFaceInput => f !== undefined);
    const votes = new Map<string, number>();
    const undecided: AlbumFaceInput[] = [];
    for (const face of faces) {
      clustered.add(face.faceId);
      const prior = priorPerson(face);
      if (prior) {
        keep(face, prior);
        votes.set(prior, (votes.get(prior) ?? 0) + 1);
      } else undecided.push(face);
    }
    if (undecided.length === 0) continue;
    for (const face of undecided) {
      const p = nearestPerson(face.descriptor);
      if (p) votes.set(p, (votes.get(p) ?? 0) + 1);
    }
    const winner = [...votes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? newPerson(doc, now);
    for (const face of undecided) {
      keep(face, winner);
      references.push({ personId: winner, d: face.descriptor });
    }
  }
  for (const face of input.faces) {
    if (clustered.has(face.faceId)) continue;
    const p = priorPerson(face) ?? nearestPerson(face.descriptor);
    if (p) keep(face, p);
  }
  doc.albums[albumId] = { analysisId: input.analysisId, at: now };
  return assigned;
}

/** Drops an album's faces (the album was purged); people left with no face stay, with their names. */
export function forgetAlbum(doc: TenantPeopleDoc, albumId: string): void {
  for (const [key, f] of Object.entries(doc.faces)) if (f.albumId === albumId) delete doc.faces[key];
  delete doc.albums[albumId];
}

// ---- corrections -----------------------------------------------------------------------------

export function updatePerson(
  doc: TenantPeopleDoc,
  personId: string,
  patch: { name?: string | null; hidden?: boolean; coverFace?: string },
  now: string,
): string {
  const id = requirePerson(doc, personId);
  const person = doc.people[id]!;
  if (patch.name !== undefined) {
    const name = normalizePersonName(patch.name);
    if (name === null) delete person.name;
    else person.name = name;
  }
  if (patch.hidden !== undefined) person.hidden = patch.hidden;
  if (patch.coverFace !== undefined) {
    const face = doc.faces[patch.coverFace];
    if (!face) throw new PeopleError('FACE_NOT_FOUND', `No face ${patch.coverFace}`);
    if (resolvePersonId(doc, face.personId) !== id) throw new PeopleError('FACE_NOT_IN_PERSON', `Face ${patch.coverFace} is not ${id}'s`);
    person.coverFace = patch.coverFace;
  }
  person.updatedAt = now;
  return id;
}

/**
 * Merges `sources` into `target` (A + B → A): B's faces become A's, B's id redirects to A. A's
 * name wins; A takes B's name when it has none. Merging a person already merged into the target
 * is a no-op, so a retried request answers the same.
 */
export function mergePeople(doc: TenantPeopleDoc, targetId: string, sourceIds: readonly string[], now: string): { personId: string; merged: string[] } {
  const target = requirePerson(doc, targetId);
  const sources = sourceIds.map((s) => {
    if (s === targetId || s === target) throw new PeopleError('MERGE_INTO_ITSELF', `Cannot merge ${s} into itself`);
    return { asked: s, id: requirePerson(doc, s) };
  });
  const merged: string[] = [];
  for (const { asked, id } of sources) {
    if (id === target) {
      merged.push(asked); // merged before: the same answer again
      continue;
    }
    for (const f of Object.values(doc.faces)) if (f.personId === id) f.personId = target;
    const source = doc.people[id]!;
    if (!doc.people[target]!.name && source.name) doc.people[target]!.name = source.name;
    delete doc.people[id];
    doc.mergedInto[id] = target;
    merged.push(id);
  }
  doc.people[target]!.updatedAt = now;
  return { personId: target, merged };
}

/**
 * Moves one face out of a person: into `toPersonId`, or into a new person when none is given.
 * A face already in the named target is a no-op (a retried move answers the same).
 */
export function moveFace(
  doc: TenantPeopleDoc,
  personId: string,
  faceKey: string,
  toPersonId: string | undefined,
  now: string,
): { face: string; from: string; to: string; created: boolean } {
  const from = requirePerson(doc, personId);
  const face = doc.faces[faceKey];
  if (!face) throw new PeopleError('FACE_NOT_FOUND', `No face ${faceKey}`);
  const to = toPersonId === undefined ? undefined : requirePerson(doc, toPersonId);
  const owner = resolvePersonId(doc, face.personId);
  if (to !== undefined && owner === to) return { face: faceKey, from, to, created: false };
  if (owner !== from) throw new PeopleError('FACE_NOT_IN_PERSON', `Face ${faceKey} is not ${from}'s`);
  if (to === from) throw new PeopleError('MERGE_INTO_ITSELF', `Face ${faceKey} is already ${from}'s`);
  const target = to ?? newPerson(doc, now);
  face.personId = target;
  if (doc.people[from]!.coverFace === faceKey) delete doc.people[from]!.coverFace;
  doc.people[from]!.updatedAt = now;
  doc.people[target]!.updatedAt = now;
  return { face: faceKey, from, to: target, created: to === undefined };
}

// ---- views -----------------------------------------------------------------------------------

export interface PersonView {
  personId: string;
  name: string | null;
  hidden: boolean;
  faces: number;
  photos: number;
  albums: string[];
  cover: { faceId: string; albumId: string; photoId: string; box: FaceBox } | null;
  updatedAt: string;
}

/** Every face of each living person, best-scored first. */
export function facesByPerson(doc: TenantPeopleDoc): Map<string, Array<[string, StoredFace]>> {
  const out = new Map<string, Array<[string, StoredFace]>>();
  for (const entry of Object.entries(doc.faces)) {
    const id = resolvePersonId(doc, entry[1].personId);
    if (!id) continue;
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    list.push(entry);
  }
  for (const list of out.values()) list.sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1));
  return out;
}

export function personView(doc: TenantPeopleDoc, personId: string, faces: Array<[string, StoredFace]> = []): PersonView {
  const p = doc.people[personId]!;
  const cover = (p.coverFace && faces.find(([k]) => k === p.coverFace)) || faces[0];
  return {
    personId,
    name: p.name ?? null,
    hidden: p.hidden,
    faces: faces.length,
    photos: new Set(faces.map(([, f]) => `${f.albumId}/${f.photoId}`)).size,
    albums: [...new Set(faces.map(([, f]) => f.albumId))].sort(),
    cover: cover ? { faceId: cover[0], albumId: cover[1].albumId, photoId: cover[1].photoId, box: cover[1].box } : null,
    updatedAt: p.updatedAt,
  };
}
