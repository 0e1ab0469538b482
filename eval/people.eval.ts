/**
 * People across albums and word search (docs/people-and-search.md):
 * - cross-album matching: album 1 holds two shots of each person (original + mirrored), album 2
 *   four other variants; each album-2 face should get album 1's person, never another's;
 * - word search: precision@5 and recall of Korean and English queries over the eval photos,
 *   their labels made by the classifier as the pipeline makes them;
 * - false faces deciding categories: face-free photos put in "people" by a detected face, before
 *   (any face) and after (a confident, large enough face), and face photos still in "people".
 */
import { clusterPeople, PEOPLE_EPS, PEOPLE_MIN_FACES } from '../src/analysis/people';
import { DECIDING_FACE_MIN_AREA, DECIDING_FACE_MIN_SCORE, faceDecidesCategory } from '../src/analysis/face-category';
import { FACE_FREE_EXTRA, LABELLED } from '../src/dev/registry-photos';
import { loadConfig } from '../src/config';
import { createModelRuntime } from '../src/models';
import { matchEmbedderFromConfig } from '../src/matching/match-embedder';
import { modelRolesFor } from '../src/models/roles';
import type { PhotoLabels } from '../src/search/word-search';
import { assignAlbumFaces, emptyPeopleDoc, type AlbumFaceInput } from '../src/people/tenant-people';
import { LabelSpace, scorePhoto } from '../src/search/word-search';
import { IDENTITY, variants } from './faces.eval';
import { pct, type EvalContext, type EvalSection } from './lib/context';

/** Queries written for the repo over the eval photos: query → the files that answer it. */
export const SEARCH_QUERIES: ReadonlyArray<{ q: string; relevant: string[] }> = [
  { q: '고양이', relevant: ['chelsea.png'] },
  { q: 'cat', relevant: ['chelsea.png'] },
  { q: '커피', relevant: ['coffee.png'] },
  { q: 'coffee', relevant: ['coffee.png'] },
  { q: '과일', relevant: ['fruits.jpg', 'apple.jpg', 'orange.jpg'] },
  { q: 'fruit', relevant: ['fruits.jpg', 'apple.jpg', 'orange.jpg'] },
  { q: '오렌지', relevant: ['orange.jpg'] },
  { q: '나비', relevant: ['butterfly.jpg'] },
  { q: 'butterfly', relevant: ['butterfly.jpg'] },
  { q: '원숭이', relevant: ['baboon.jpg'] },
  { q: 'monkey', relevant: ['baboon.jpg'] },
  { q: '다람쥐', relevant: ['squirrel_cls.jpg'] },
  { q: '오토바이', relevant: ['motorcycle_left.png'] },
  { q: 'motorcycle', relevant: ['motorcycle_left.png'] },
  { q: '로켓', relevant: ['rocket.jpg'] },
  { q: '꽃', relevant: ['nature/FreshFlower.jpg', 'nature/YellowFlower.jpg'] },
  { q: 'flower', relevant: ['nature/FreshFlower.jpg', 'nature/YellowFlower.jpg'] },
  { q: '사탕', relevant: ['smarties.png'] },
  { q: 'candy', relevant: ['smarties.png'] },
  { q: '카메라', relevant: ['camera.png'] },
];

export async function evalPeopleAndSearch(ctx: EvalContext): Promise<{ matching: EvalSection; search: EvalSection; falseFaces: EvalSection }> {
  // ---- cross-album matching ----
  const album1: AlbumFaceInput[] = [];
  const album2: AlbumFaceInput[] = [];
  const identityOf = new Map<string, string>();
  for (const l of LABELLED.filter((x) => x.faces)) {
    const vs = await variants(await ctx.read(l.root, l.file));
    for (const [i, [name, img]] of vs.entries()) {
      const faces = await ctx.faces(img);
      if (faces.length === 0) continue;
      const photoId = `${l.file}:${name}`;
      const face = { faceId: `${photoId}-f0`, photoId, box: { x: 0, y: 0, width: 1, height: 1 }, score: faces[0]!.score, descriptor: faces[0]!.descriptor };
      identityOf.set(face.faceId, IDENTITY[l.file]!);
      (i < 2 ? album1 : album2).push(face);
    }
  }
  const config = loadConfig();
  const doc = emptyPeopleDoc();
  const assign = (albumId: string, faces: AlbumFaceInput[]) =>
    assignAlbumFaces(doc, {
      albumId,
      analysisId: 'a1',
      model: 'dlib',
      metric: 'euclidean',
      eps: PEOPLE_EPS,
      faces,
      clusters: clusterPeople(
        faces.map((f) => ({ faceId: f.faceId, photoId: f.photoId, embedding: f.descriptor })),
        { eps: PEOPLE_EPS, minFaces: PEOPLE_MIN_FACES, metric: 'euclidean' },
      ).people.map((p) => p.faceIds),
      now: new Date(0).toISOString(),
    });
  const first = assign('album-1', album1);
  const personOfIdentity = new Map<string, Set<string>>();
  for (const [faceId, personId] of first) {
    const id = identityOf.get(faceId)!;
    personOfIdentity.set(id, (personOfIdentity.get(id) ?? new Set()).add(personId));
  }
  const second = assign('album-2', album2);
  let right = 0;
  let wrong = 0;
  let none = 0;
  const wrongs: string[] = [];
  for (const f of album2) {
    const got = second.get(f.faceId);
    const expected = personOfIdentity.get(identityOf.get(f.faceId)!);
    if (got && expected?.has(got)) right++;
    else if (got && [...personOfIdentity.values()].some((s) => s.has(got))) {
      wrong++;
      wrongs.push(f.faceId);
    } else none++;
  }
  const identities = new Set(identityOf.values()).size;
  const splitOrMerged = [...personOfIdentity.values()].filter((s) => s.size !== 1).length;
  const peopleAlbum1 = new Set(first.values()).size;
  const matching: EvalSection = {
    title: `Cross-album people (dlib, eps ${PEOPLE_EPS}, minFaces ${PEOPLE_MIN_FACES}; album 1: original + mirrored, album 2: 4 other variants)`,
    rows: [
      ['measure', 'result'],
      ['album 1: people found / identities', `${peopleAlbum1} / ${identities} (identities split or merged: ${splitOrMerged})`],
      ['album 2 faces given their album-1 person', pct(right, album2.length)],
      ["album 2 faces given another person's (wrong)", pct(wrong, album2.length)],
      ['album 2 faces left without a known person', pct(none, album2.length)],
    ],
    notes: wrongs.map((w) => `wrong: ${w}`),
  };

  // ---- word search ----
  const photos = [...LABELLED, ...FACE_FREE_EXTRA];
  const labels = new Map<string, PhotoLabels>();
  let falseBefore = 0;
  let falseAfter = 0;
  let trueBefore = 0;
  let trueAfter = 0;
  const faceFree = new Set(FACE_FREE_EXTRA.map((p) => p.file).concat(LABELLED.filter((l) => !l.faces).map((l) => l.file)));
  const falseNotes: string[] = [];
  for (const p of photos) {
    const image = await ctx.read(p.root, p.file);
    const [{ embeddings }, found] = await Promise.all([ctx.classifier.embed([image]), ctx.detector.detect(image)]);
    const deciding = faceDecidesCategory(found.faces, found);
    const before = ctx.classifier.categorize(embeddings[0]!, found.faces.length > 0);
    const after = ctx.classifier.categorize(embeddings[0]!, deciding);
    if (faceFree.has(p.file)) {
      if (before.id === 'people') falseBefore++;
      if (after.id === 'people') falseAfter++;
      for (const f of found.faces) {
        falseNotes.push(
          `false face on ${p.file}: score ${f.score.toFixed(2)}, area ${((100 * f.box.width * f.box.height) / (found.width * found.height)).toFixed(2)}%`,
        );
      }
    } else if ('faces' in p && p.faces) {
      if (before.id === 'people') trueBefore++;
      if (after.id === 'people') trueAfter++;
    }
    labels.set(p.file, {
      name: p.file,
      category: { id: after.id, en: after.names.en, ko: after.names.ko, score: after.score },
      classes: after.classes,
    });
  }
  const runtime = createModelRuntime({ ...config.models, intraOpThreads: 1 });
  const space = new LabelSpace(matchEmbedderFromConfig(runtime.sessions, config.matching, modelRolesFor(config.models).sentence), `${config.dataDir}/search`);
  const rows = [['query', 'right photo first', 'precision@5', 'recall', 'top 3 (label)']];
  let p5Sum = 0;
  let recallSum = 0;
  let firstRight = 0;
  for (const { q, relevant } of SEARCH_QUERIES) {
    const matched = await space.match(q);
    const ranked = [...labels]
      .map(([file, l]) => ({ file, hit: scorePhoto(l, matched) }))
      .filter((r) => r.hit)
      .sort((a, b) => b.hit!.score - a.hit!.score);
    const top5 = ranked.slice(0, 5);
    const p5 = top5.length === 0 ? 0 : top5.filter((r) => relevant.includes(r.file)).length / Math.min(5, Math.max(top5.length, relevant.length));
    const recall = ranked.filter((r) => relevant.includes(r.file)).length / relevant.length;
    p5Sum += p5;
    recallSum += recall;
    const first = relevant.includes(ranked[0]?.file ?? '');
    if (first) firstRight++;
    rows.push([
      q,
      first ? 'yes' : 'no',
      p5.toFixed(2),
      recall.toFixed(2),
      top5
        .slice(0, 3)
        .map((r) => `${r.file} (${r.hit!.reasons[0]!.label})`)
        .join(', ') || '—',
    ]);
  }
  rows.push([
    '**all**',
    pct(firstRight, SEARCH_QUERIES.length),
    (p5Sum / SEARCH_QUERIES.length).toFixed(2),
    (recallSum / SEARCH_QUERIES.length).toFixed(2),
    '',
  ]);
  await runtime.sessions.close();
  const search: EvalSection = {
    title: `Word search (${photos.length} photos, ${SEARCH_QUERIES.length} Korean and English queries; labels: top ImageNet classes + category, e5 templated)`,
    rows,
    notes: [
      'precision@5: relevant photos among the top 5 hits over min(5, max(hits, relevant photos)), so a query with one right photo and one hit scores 1; recall: relevant photos hit at any rank.',
    ],
  };
  const faceFreeCount = faceFree.size;
  const facePhotos = LABELLED.filter((l) => l.faces).length;
  const falseFaces: EvalSection = {
    title: `False faces deciding categories (a face decides "people" only at score ≥ ${DECIDING_FACE_MIN_SCORE} and ≥ ${DECIDING_FACE_MIN_AREA * 100}% of the photo)`,
    rows: [
      ['measure', 'before (any face)', 'after'],
      ['face-free photos put in "people"', pct(falseBefore, faceFreeCount), pct(falseAfter, faceFreeCount)],
      ['face photos in "people"', pct(trueBefore, facePhotos), pct(trueAfter, facePhotos)],
    ],
    notes: falseNotes,
  };
  return { matching, search, falseFaces };
}
