import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keptPhotos } from '../../src/analysis/kept-photos';

const photos = {
  ph_a: { name: 'harbour.jpg', width: 4000, height: 3000 },
  ph_b: { name: 'harbour-small.webp', width: 800, height: 600 },
  ph_c: { name: 'harbour-shaky.jpg', width: 4000, height: 3000 },
};

test('a copy group keeps its best-scored photo and says why: score, size and the blurry copies', () => {
  const [group] = keptPhotos({
    groups: [['ph_a', 'ph_b', 'ph_c']],
    highlightScores: [],
    quality: { ph_a: { score: 0.81, blurry: false }, ph_b: { score: 0.6, blurry: false }, ph_c: { score: 0.3, blurry: true } },
    photos,
  });
  assert.equal(group!.kept, 'ph_a');
  assert.deepEqual(group!.photoIds, ['ph_a', 'ph_b', 'ph_c']);
  assert.equal(group!.reason, 'best quality score (0.81 vs 0.60, 0.30); harbour-shaky.jpg blurry');
});

test('the kept photo is the one the highlights chose for the group, even when another scores higher', () => {
  const [group] = keptPhotos({
    groups: [['ph_a', 'ph_b']],
    highlightScores: [{ photoId: 'ph_b', represents: ['ph_a'] }],
    quality: { ph_a: { score: 0.7, blurry: false }, ph_b: { score: 0.65, blurry: false } },
    photos: { ph_a: photos.ph_b, ph_b: photos.ph_a },
  });
  assert.equal(group!.kept, 'ph_b');
  assert.equal(group!.reason, "the highlights' pick of its copies (quality score 0.65 vs 0.70); in the highlights; largest (4000×3000)");
});

test('equal scores keep the lowest photoId, so the choice never depends on input order', () => {
  const quality = { ph_a: { score: 0.5, blurry: false }, ph_b: { score: 0.5, blurry: false } };
  const one = keptPhotos({ groups: [['ph_b', 'ph_a']], highlightScores: [], quality, photos });
  const two = keptPhotos({ groups: [['ph_a', 'ph_b']], highlightScores: [], quality, photos });
  assert.equal(one[0]!.kept, 'ph_a');
  assert.equal(two[0]!.kept, 'ph_a');
});
