/**
 * People from face embeddings: DBSCAN over cosine distance (1 − cosine). A person is a dense
 * region of at least `minFaces` faces within `eps` of one another; a face with too few
 * look-alikes is noise and stays unassigned — better no person than a wrong one.
 *
 * Deterministic whatever the input order: faces are visited in (photoId, faceId) order, which
 * fixes the one choice DBSCAN leaves open (a border face reachable from two people joins the
 * first one expanded), and people are numbered by size, then by their first photo id.
 *
 * Cost: one dot product per pair of faces, and the neighbour lists are kept, so memory grows
 * with the square of the largest person's face count (3,000 faces of one person: ~36 MB).
 */
import { compareIds, packUnitRows } from './duplicates';

export interface Face {
  faceId: string;
  photoId: string;
  /** ArcFace-style embedding; it need not be unit length. */
  embedding: ArrayLike<number>;
}

export interface Person {
  /** `person-1` is the person with the most faces. */
  personId: string;
  faceIds: string[];
  /** Distinct photos this person is in, sorted. */
  photoIds: string[];
}

export interface PeopleClusters {
  people: Person[];
  /** Faces that belong to no person (DBSCAN noise), sorted. */
  unassignedFaceIds: string[];
}

export interface PeopleOptions {
  /** Largest distance at which two faces are neighbours: 1 − cosine, or Euclidean (see `metric`). */
  eps: number;
  /**
   * The face model's own distance. cosine (ArcFace): on unit vectors. euclidean (dlib's
   * descriptor): on the raw 128-d vectors, as dlib trained it (its "same person" line is 0.6;
   * eps 0.5 calibrated on the eval faces, see eval/faces.eval.ts).
   */
  metric?: 'cosine' | 'euclidean';
  /** Least faces for a person (DBSCAN's minPts, the face itself included); PEOPLE_MIN_FACES in production. */
  minFaces: number;
}

/**
 * The album step's eps, in the production face model's metric (dlib, Euclidean): below dlib's own
 * "same person" line of 0.6, calibrated on the eval faces (`npm run eval`, eval/faces.eval.ts).
 * Changed by a commit that shows those figures, not per deployment.
 */
export const PEOPLE_EPS = 0.5;

/** Two faces make a person: one face alone is anyone, and a pair already links albums. */
export const PEOPLE_MIN_FACES = 2;

/**
 * A starting eps for ArcFace embeddings, not calibrated here (the repository has no face data):
 * Immich clusters the same kind of embedding with a maximum cosine distance of 0.5 by default.
 */
export const ARCFACE_STARTING_EPS = 0.5;

const UNVISITED = -2;
const NOISE = -1;

export function clusterPeople(faces: readonly Face[], { eps, minFaces, metric = 'cosine' }: PeopleOptions): PeopleClusters {
  if (!(eps > 0 && eps <= 2)) throw new RangeError(`eps must be a distance in (0, 2], got ${eps}`);
  if (!Number.isInteger(minFaces) || minFaces < 1) throw new RangeError(`minFaces must be a positive integer, got ${minFaces}`);
  const ids = new Set<string>();
  for (const f of faces) {
    if (ids.has(f.faceId)) throw new Error(`face ${f.faceId} appears twice`);
    ids.add(f.faceId);
  }
  const ordered = [...faces].sort((a, b) => compareIds(a.photoId, b.photoId) || compareIds(a.faceId, b.faceId));
  const n = ordered.length;
  if (n === 0) return { people: [], unassignedFaceIds: [] };

  const neighbours = metric === 'euclidean' ? euclideanNeighbourLists(ordered, eps) : neighbourLists(ordered, 1 - eps);
  const label = new Int32Array(n).fill(UNVISITED);
  let clusters = 0;
  for (let i = 0; i < n; i++) {
    if (label[i] !== UNVISITED) continue;
    // The face itself counts towards minFaces, as in the DBSCAN paper's MinPts.
    if (neighbours[i]!.length + 1 < minFaces) {
      label[i] = NOISE;
      continue;
    }
    const c = clusters++;
    label[i] = c;
    const queue = neighbours[i]!.slice();
    for (let q = 0; q < queue.length; q++) {
      const j = queue[q]!;
      if (label[j] === NOISE) label[j] = c; // a border face: reachable, but not dense itself
      if (label[j] !== UNVISITED) continue;
      label[j] = c;
      // A loop, not push(...list): spreading a large person's list would overflow the stack.
      if (neighbours[j]!.length + 1 >= minFaces) for (const k of neighbours[j]!) queue.push(k);
    }
  }

  const members: number[][] = Array.from({ length: clusters }, () => []);
  const unassigned: string[] = [];
  for (let i = 0; i < n; i++) {
    if (label[i]! >= 0) members[label[i]!]!.push(i);
    else unassigned.push(ordered[i]!.faceId);
  }
  const people = members
    .map((m) => ({
      faceIds: m.map((i) => ordered[i]!.faceId).sort(compareIds),
      photoIds: [...new Set(m.map((i) => ordered[i]!.photoId))].sort(compareIds),
    }))
    .sort((a, b) => b.faceIds.length - a.faceIds.length || compareIds(a.photoIds[0]!, b.photoIds[0]!) || compareIds(a.faceIds[0]!, b.faceIds[0]!))
    .map((p, k) => ({ personId: `person-${k + 1}`, ...p }));
  return { people, unassignedFaceIds: unassigned.sort(compareIds) };
}

/** For each face, the other faces at cosine ≥ minCosine (ascending indices). */
function neighbourLists(faces: readonly Face[], minCosine: number): number[][] {
  const n = faces.length;
  const dims = faces[0]!.embedding.length;
  const packed = packUnitRows(
    faces.map((f) => ({ photoId: f.faceId, embedding: f.embedding })),
    dims,
  );
  const lists: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    const a = i * dims;
    for (let j = i + 1; j < n; j++) {
      const b = j * dims;
      let s = 0;
      for (let k = 0; k < dims; k++) s += packed[a + k]! * packed[b + k]!;
      if (s >= minCosine) {
        lists[i]!.push(j);
        lists[j]!.push(i);
      }
    }
  }
  return lists;
}

/** For each face, the other faces within Euclidean distance `eps` of it (ascending indices). */
function euclideanNeighbourLists(faces: readonly Face[], eps: number): number[][] {
  const n = faces.length;
  const lists: number[][] = Array.from({ length: n }, () => []);
  const limit = eps * eps;
  for (let i = 0; i < n; i++) {
    const a = faces[i]!.embedding;
    for (let j = i + 1; j < n; j++) {
      const b = faces[j]!.embedding;
      let s = 0;
      for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
      if (s <= limit) {
        lists[i]!.push(j);
        lists[j]!.push(i);
      }
    }
  }
  return lists;
}
