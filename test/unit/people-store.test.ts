/**
 * The tenant's people: the embedded store survives a restart and serialises writers from two
 * processes' worth of store instances; album faces are matched to known people; corrections are
 * idempotent, refuse what makes no sense with a code, and survive re-analysing an album.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { LocalPeopleStore } from '../../src/people/people-store';
import {
  assignAlbumFaces,
  facesByPerson,
  mergePeople,
  moveFace,
  PeopleError,
  resolvePersonId,
  updatePerson,
  type AlbumFaceInput,
  type TenantPeopleDoc,
} from '../../src/people/tenant-people';
import { emptyPeopleDoc } from '../../src/people/tenant-people';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'people-store-'));
  dirs.push(d);
  return d;
};

/** A 128-d descriptor near `centre` (one identity), dlib-like scale: same identity ~0.1 apart, different ~1. */
function descriptor(centre: number, jitter: number): Float32Array {
  const v = new Float32Array(128);
  for (let k = 0; k < 128; k++) v[k] = Math.sin(centre * 7.3 + k * 1.7) * 0.12 + Math.cos(jitter * 3.1 + k) * 0.004;
  return v;
}

const face = (photoId: string, n: number, identity: number, jitter = 0): AlbumFaceInput => ({
  faceId: `${photoId}-f${n}`,
  photoId,
  box: { x: 10, y: 10, width: 50, height: 50 },
  score: 0.9,
  descriptor: descriptor(identity, jitter),
});

const NOW = '2026-12-07T00:00:00.000Z';
function assign(doc: TenantPeopleDoc, albumId: string, faces: AlbumFaceInput[], clusters: string[][], analysisId = 'a1') {
  return assignAlbumFaces(doc, { albumId, analysisId, model: 'dlib@1', metric: 'euclidean', eps: 0.5, faces, clusters, now: NOW });
}
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof PeopleError) return err.code;
    throw err;
  }
  return 'none';
};

test("a restarted store reads what was written; two store instances never lose each other's changes", async () => {
  const dir = tmp();
  const a = new LocalPeopleStore(dir);
  const b = new LocalPeopleStore(dir);
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? a : b).update('acme', (doc) => {
        doc.nextId++;
      }),
    ),
  );
  const restarted = new LocalPeopleStore(dir);
  assert.equal((await restarted.read('acme')).nextId, 21);
  assert.equal((await restarted.read('globex')).nextId, 1, 'tenants are separate documents');
  await assert.rejects(
    restarted.update('acme', () => {
      throw new PeopleError('PERSON_NOT_FOUND', 'x');
    }),
    PeopleError,
  );
  assert.equal((await restarted.read('acme')).nextId, 21, 'a change that throws saves nothing');
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.endsWith('.lock') || f.endsWith('.tmp')),
    [],
    'no lock or temp file is left behind',
  );
});

test("a second album's face gets the known person and name; a stranger gets a new person", () => {
  const doc = emptyPeopleDoc();
  const first = assign(doc, 'alb_one', [face('ph_1', 0, 1), face('ph_2', 0, 1, 1)], [['ph_1-f0', 'ph_2-f0']]);
  const seoyeon = first.get('ph_1-f0')!;
  updatePerson(doc, seoyeon, { name: '서연' }, NOW);
  const second = assign(doc, 'alb_two', [face('ph_3', 0, 1, 2), face('ph_4', 0, 5), face('ph_5', 0, 5, 1)], [['ph_4-f0', 'ph_5-f0']]);
  assert.equal(second.get('ph_3-f0'), seoyeon, 'a lone face near a known person joins them');
  assert.notEqual(second.get('ph_4-f0'), seoyeon, 'a different face is kept apart');
  assert.equal(doc.people[second.get('ph_3-f0')!]!.name, '서연');
});

test('corrections are idempotent, refuse nonsense with a code, and survive re-analysing the albums', () => {
  const doc = emptyPeopleDoc();
  const faces = [face('ph_1', 0, 1), face('ph_2', 0, 1, 1), face('ph_3', 0, 2), face('ph_4', 0, 2, 1), face('ph_5', 0, 1, 2)];
  const clusters = [
    ['ph_1-f0', 'ph_2-f0', 'ph_5-f0'],
    ['ph_3-f0', 'ph_4-f0'],
  ];
  const got = assign(doc, 'alb_one', faces, clusters);
  const [a, b] = [got.get('ph_1-f0')!, got.get('ph_3-f0')!];
  assert.notEqual(a, b);

  assert.equal(
    codeOf(() => mergePeople(doc, a, [a], NOW)),
    'MERGE_INTO_ITSELF',
  );
  assert.equal(
    codeOf(() => mergePeople(doc, a, ['pe_zzzz'], NOW)),
    'PERSON_NOT_FOUND',
  );
  assert.equal(
    codeOf(() => updatePerson(doc, a, { name: 'x'.repeat(101) }, NOW)),
    'INVALID_PERSON_NAME',
  );
  assert.equal(
    codeOf(() => updatePerson(doc, a, { name: 'bad\u0007name' }, NOW)),
    'INVALID_PERSON_NAME',
  );
  assert.equal(
    codeOf(() => moveFace(doc, b, 'alb_one.ph_1-f0', undefined, NOW)),
    'FACE_NOT_IN_PERSON',
  );

  updatePerson(doc, b, { name: 'Minjun' }, NOW);
  assert.deepEqual(mergePeople(doc, a, [b], NOW), { personId: a, merged: [b] });
  assert.deepEqual(mergePeople(doc, a, [b], NOW), { personId: a, merged: [b] }, 'the same merge again answers the same');
  assert.equal(resolvePersonId(doc, b), a, 'a merged id still finds the person');
  assert.equal(doc.people[a]!.name, 'Minjun', 'the target takes the name when it had none');

  const moved = moveFace(doc, a, 'alb_one.ph_5-f0', undefined, NOW);
  assert.equal(moved.created, true);
  assert.deepEqual(moveFace(doc, a, 'alb_one.ph_5-f0', moved.to, NOW).to, moved.to, 'moving it again to where it is answers the same');
  updatePerson(doc, a, { name: '  서연 ', hidden: true }, NOW);

  // Re-analysis: the same faces, clustered the same way as before the corrections.
  assign(doc, 'alb_one', faces, clusters, 'a2');
  const byPerson = facesByPerson(doc);
  assert.deepEqual(
    byPerson
      .get(a)!
      .map(([k]) => k)
      .sort(),
    ['alb_one.ph_1-f0', 'alb_one.ph_2-f0', 'alb_one.ph_3-f0', 'alb_one.ph_4-f0'],
  );
  assert.deepEqual(
    byPerson.get(moved.to)!.map(([k]) => k),
    ['alb_one.ph_5-f0'],
  );
  assert.equal(doc.people[a]!.name, '서연');
  assert.equal(doc.people[a]!.hidden, true);
});
