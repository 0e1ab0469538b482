/**
 * The pure parts of the built-model path: the role setting, BlazeFace decoding and its sanity
 * checks, the ImageNet category map, similar shots, the model-aware highlight score, people in
 * Euclidean distance, and models:build's reproducible check input.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkInput } from '../../scripts/models/recipe';
import { pickHighlights, SIMILAR_GROUP_PENALTY } from '../../src/analysis/highlights';
import { clusterPeople } from '../../src/analysis/people';
import { findSimilarShots } from '../../src/analysis/similar';
import { ConfigError, loadConfig } from '../../src/config';
import { DEFAULT_MODEL_ROLES, modelRolesFor, parseModelRoles } from '../../src/models/roles';
import { blazeFaceAnchors, decodeBlazeFace, looksLikeFace } from '../../src/models/face/blazeface';
import { loadCategoryMap } from '../../src/models/imagenet/mobilenet';

test('LIGHTBOX_MODEL_ROLES overrides named roles, keeps the built defaults, and rejects what cannot serve a role', () => {
  assert.deepEqual(parseModelRoles(undefined), DEFAULT_MODEL_ROLES);
  const roles = parseModelRoles('embedding=clip-vit-b32-image, categories=clip-vit-b32-text,face-descriptor=arcface-w600k-r50');
  assert.equal(roles.embedding, 'clip-vit-b32-image');
  assert.equal(roles['face-descriptor'], 'arcface-w600k-r50');
  assert.equal(roles.faces, 'blazeface-back');
  assert.throws(() => parseModelRoles('faces=clip-vit-b32-image'), /cannot serve faces/);
  assert.throws(() => parseModelRoles('scenery=x'), /unknown role "scenery"/);
  assert.throws(() => parseModelRoles('embedding=nope'), /no such model/);
  assert.throws(
    () => modelRolesFor(loadConfig({ LIGHTBOX_MODEL_ROLES: 'faces=nope' }).models),
    (err: unknown) => err instanceof ConfigError && /LIGHTBOX_MODEL_ROLES/.test(err.message),
  );
  assert.equal(modelRolesFor(loadConfig({ LIGHTBOX_MODEL_ROLES: 'sentence=ko-sbert-nli' }).models).sentence, 'ko-sbert-nli');
});

test('BlazeFace: 896 anchors, a face decoded back to input pixels, and a tilted or eyeless box refused', () => {
  const anchors = blazeFaceAnchors();
  assert.equal(anchors.length, 896 * 2);
  assert.deepEqual([anchors[0], anchors[1]], [0.5 / 16, 0.5 / 16]);
  const scores = new Float32Array(896).fill(-10);
  const reg = new Float32Array(896 * 16);
  // Anchor 0 of cell (8, 8) in the 16×16 grid: centre (136, 136) in a 256 input.
  const i = (8 * 16 + 8) * 2;
  scores[i] = 3; // sigmoid 0.95
  const face = [0, 0, 80, 80, -18, -12, 18, -12, 0, 5, 0, 22, -35, -5, 35, -5];
  reg.set(face, i * 16);
  const found = decodeBlazeFace(scores, reg, 256);
  assert.equal(found.length, 1);
  assert.ok(Math.abs(found[0]!.box.x - 96) < 1e-3 && Math.abs(found[0]!.box.width - 80) < 1e-3);
  assert.deepEqual(found[0]!.landmarks[0], [118, 124]);
  // Tilted 45°: not an upright face.
  assert.equal(
    looksLikeFace({
      ...found[0]!,
      landmarks: [
        [100, 100],
        [130, 130],
        [115, 130],
        [115, 150],
        [115, 150],
      ],
    }),
    false,
  );
  // Below the score threshold.
  scores[i] = 0.2;
  assert.equal(decodeBlazeFace(scores, reg, 256).length, 0);
});

test('the category map: ranges expand, a bad class is refused with the file named', () => {
  const map = loadCategoryMap();
  const animals = map.categories.findIndex((c) => c.id === 'pets-animals');
  assert.equal(map.classToCategory[281], animals); // tabby cat
  assert.equal(map.categories[map.classToCategory[967]!]!.id, 'food'); // espresso
  assert.equal(map.categories[map.faceCategory!]!.names.ko, '사람');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catmap-'));
  const file = path.join(dir, 'map.json');
  fs.writeFileSync(file, JSON.stringify({ categories: [{ id: 'x', names: { en: 'x', ko: 'x' }, classes: ['5-1200'] }] }));
  assert.throws(() => loadCategoryMap(file), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: x: bad class`));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('similar shots group on the semantic embedding and name the best-quality shot', () => {
  const groups = findSimilarShots(
    [
      { photoId: 'a', embedding: [1, 0, 0], quality: 0.5 },
      { photoId: 'b', embedding: [0.9, 0.1, 0], quality: 0.8 },
      { photoId: 'c', embedding: [0, 0, 1], quality: 0.9 },
    ],
    0.75,
  );
  assert.deepEqual(groups, [{ photoIds: ['a', 'b'], best: 'b' }]);
});

test('highlights with the models: faces and subject count, and a second shot of one similar group pays the penalty', () => {
  const exposure = { verdict: 'ok' as const, meanLuminance: 0.5, shadowClipping: 0, highlightClipping: 0 };
  const base = { laplacianVariance: 100, exposure, width: 4000, height: 3000 };
  const picks = pickHighlights(
    [
      { ...base, photoId: 'burst-1', embedding: [1, 0, 0], faces: 1, subject: 0.9 },
      { ...base, photoId: 'burst-2', embedding: [0.7, 0.7, 0], faces: 1, subject: 0.9 },
      { ...base, photoId: 'other', embedding: [0, 0, 1], faces: 0, subject: 0.2 },
    ],
    { count: 3, diversity: 0, similarGroups: [['burst-1', 'burst-2']] },
  );
  // Without the penalty burst-2 (faces, sure subject) would come second; with it, 'other' does.
  assert.deepEqual(
    picks.map((p) => p.photoId),
    ['burst-1', 'other', 'burst-2'],
  );
  assert.ok(picks[2]!.score <= picks[2]!.base - SIMILAR_GROUP_PENALTY + 1e-9);
});

test('people in Euclidean distance (the dlib descriptor): within eps is one person', () => {
  const faces = [
    { faceId: 'f1', photoId: 'p1', embedding: [0, 0, 0] },
    { faceId: 'f2', photoId: 'p2', embedding: [0.3, 0, 0] },
    { faceId: 'f3', photoId: 'p3', embedding: [0.9, 0, 0] },
  ];
  const { people, unassignedFaceIds } = clusterPeople(faces, { eps: 0.5, minFaces: 2, metric: 'euclidean' });
  assert.deepEqual(
    people.map((p) => p.photoIds),
    [['p1', 'p2']],
  );
  assert.deepEqual(unassignedFaceIds, ['f3']);
});

test('models:build check input is reproducible', () => {
  const a = checkInput([2, 3], -1, 1);
  assert.deepEqual(Array.from(a), Array.from(checkInput([2, 3], -1, 1)));
  assert.ok(a.every((v) => v >= -1 && v <= 1));
});
