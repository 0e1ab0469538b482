import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ARCFACE_STARTING_EPS, clusterPeople, type Face } from '../../src/analysis/people';
import { seededRandom } from '../helpers/synthetic-photos';

const DIMS = 512;

function gaussian(seed: number) {
  const rand = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/**
 * People as ArcFace would see them: each a random 512-d identity, each face that identity plus
 * noise of the same energy scaled by `spread` (cosine to the identity ≈ 1/√(1+spread²)).
 * Unrelated random 512-d vectors sit at cosine 0 ± 0.05.
 */
function plantedAlbum(sizes: number[], noiseFaces: number, seed = 1) {
  const g = gaussian(seed);
  const faces: Face[] = [];
  const truth: string[][] = [];
  sizes.forEach((size, p) => {
    const identity = Float32Array.from({ length: DIMS }, g);
    const ids: string[] = [];
    for (let k = 0; k < size; k++) {
      const faceId = `f-${p}-${k}`;
      // Face k of every person is in photo k: group shots, so people share photos. The first
      // person's last face is in photo 0 too (a mirror), so photoIds must be deduplicated.
      const photoId = `ph${String(p === 0 && k === size - 1 ? 0 : k).padStart(3, '0')}`;
      faces.push({ faceId, photoId, embedding: Float32Array.from(identity, (x) => x + 0.6 * g()) });
      ids.push(faceId);
    }
    truth.push(ids.sort());
  });
  const noise: string[] = [];
  for (let k = 0; k < noiseFaces; k++) {
    const faceId = `noise-${k}`;
    faces.push({ faceId, photoId: `stranger-${k}`, embedding: Float32Array.from({ length: DIMS }, g) });
    noise.push(faceId);
  }
  return { faces, truth, noise: noise.sort() };
}

test('planted people are found whole, biggest first, and lone faces stay unassigned', () => {
  const { faces, truth, noise } = plantedAlbum([6, 12, 3, 8], 7);
  const { people, unassignedFaceIds } = clusterPeople(faces, { eps: ARCFACE_STARTING_EPS, minFaces: 2 });
  assert.deepEqual(
    people.map((p) => p.faceIds),
    [truth[1], truth[3], truth[0], truth[2]],
  );
  assert.deepEqual(
    people.map((p) => p.personId),
    ['person-1', 'person-2', 'person-3', 'person-4'],
  );
  assert.deepEqual(unassignedFaceIds, noise);
  assert.deepEqual(people[2]!.photoIds, ['ph000', 'ph001', 'ph002', 'ph003', 'ph004'], 'a photo with two faces of one person is listed once');
  assert.deepEqual(people[0]!.photoIds.length, 12);
});

test('minFaces is the least faces a person may have', () => {
  const { faces } = plantedAlbum([2, 3, 5], 0, 9);
  const sizes = (minFaces: number) => clusterPeople(faces, { eps: ARCFACE_STARTING_EPS, minFaces }).people.map((p) => p.faceIds.length);
  assert.deepEqual(sizes(2), [5, 3, 2]);
  assert.deepEqual(sizes(3), [5, 3]);
  assert.deepEqual(sizes(6), []);
  assert.equal(clusterPeople(faces, { eps: ARCFACE_STARTING_EPS, minFaces: 6 }).unassignedFaceIds.length, 10);
});

test('eps decides who is a neighbour: too tight, everyone is alone; too loose, everyone is one person', () => {
  const { faces } = plantedAlbum([4, 4], 0, 5);
  assert.equal(clusterPeople(faces, { eps: 0.05, minFaces: 2 }).people.length, 0);
  assert.equal(clusterPeople(faces, { eps: 1.5, minFaces: 2 }).people.length, 1);
});

test('dense faces form the core; a face near the core but not dense itself is a border member', () => {
  // On a circle, eps = 26°: a, b, c are 10° apart, d is 25° past c, e another 25° past d.
  const at = (deg: number) => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
  const faces: Face[] = [
    { faceId: 'a', photoId: 'p1', embedding: at(0) },
    { faceId: 'b', photoId: 'p2', embedding: at(10) },
    { faceId: 'c', photoId: 'p3', embedding: at(20) },
    { faceId: 'd', photoId: 'p4', embedding: at(45) },
    { faceId: 'e', photoId: 'p5', embedding: at(70) },
  ];
  const eps = 1 - Math.cos((26 * Math.PI) / 180);
  const run = (minFaces: number, input = faces) => {
    const r = clusterPeople(input, { eps, minFaces });
    return { people: r.people.map((p) => p.faceIds), unassigned: r.unassignedFaceIds };
  };
  // minFaces 3: a, b, c, d each have ≥ 2 neighbours, so the chain runs through d to e.
  assert.deepEqual(run(3), { people: [['a', 'b', 'c', 'd', 'e']], unassigned: [] });
  // minFaces 4: only c (a, b, d) is dense; a, b, d join as its borders, e reaches no core.
  assert.deepEqual(run(4), { people: [['a', 'b', 'c', 'd']], unassigned: ['e'] });
  // minFaces 5: nobody is dense.
  assert.deepEqual(run(5), { people: [], unassigned: ['a', 'b', 'c', 'd', 'e'] });
});

test('the same faces in any order give the same people', () => {
  const { faces } = plantedAlbum([5, 5, 4], 4, 3);
  const reversed = [...faces].reverse();
  assert.deepEqual(clusterPeople(reversed, { eps: ARCFACE_STARTING_EPS, minFaces: 2 }), clusterPeople(faces, { eps: ARCFACE_STARTING_EPS, minFaces: 2 }));
});

test('bad options and duplicate face ids are refused; no faces, no people', () => {
  const f = { faceId: 'x', photoId: 'p', embedding: [1, 0] };
  assert.throws(() => clusterPeople([f, f], { eps: 0.5, minFaces: 2 }), /twice/);
  assert.throws(() => clusterPeople([f], { eps: 0, minFaces: 2 }), RangeError);
  assert.throws(() => clusterPeople([f], { eps: 0.5, minFaces: 0 }), RangeError);
  assert.throws(() => clusterPeople([f], { eps: 0.5, minFaces: 1.5 }), RangeError);
  assert.deepEqual(clusterPeople([], { eps: 0.5, minFaces: 2 }), { people: [], unassignedFaceIds: [] });
  // minFaces 1: every face is somebody.
  assert.deepEqual(clusterPeople([f], { eps: 0.5, minFaces: 1 }).people, [{ personId: 'person-1', faceIds: ['x'], photoIds: ['p'] }]);
});
