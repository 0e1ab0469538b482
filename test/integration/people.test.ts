/**
 * People across albums and word search through the real stack (API, workers, Temporal) on the
 * real built models: the demo album's player is named, a second album with the same face shows
 * that name, corrections answer with codes and are idempotent, and "고양이", "coffee" and the
 * person's name find the right photos.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { demoPhotoFiles, ensureEvalPhotos } from '../../src/dev/registry-photos';
import { loadConfig } from '../../src/config';
import { photosForm } from '../../src/dev/demo-photos';
import { repoRoot } from '../../src/config/repo-root';
import { call, TENANT_A, TENANT_B, useStackOnDevServer, waitFor } from '../helpers/stack';
import fs from 'node:fs';

const base = loadConfig({ ...process.env, LIGHTBOX_MODEL_SET: 'production', LIGHTBOX_MODEL_ROLES: '' });
const skip = base.models.skipBuild ? 'LIGHTBOX_SKIP_MODEL_BUILD is set: no built models' : false;
const running = useStackOnDevServer({
  LIGHTBOX_MODEL_SET: 'production',
  LIGHTBOX_MODEL_ROLES: '',
  LIGHTBOX_MODELS_DIR: process.env.LIGHTBOX_MODELS_DIR ?? path.join(repoRoot(), '.lightbox', 'models'),
  LIGHTBOX_MODEL_CACHE_DIR: base.models.cacheDir,
});
const A = (method: string, p: string, body?: unknown, headers?: Record<string, string>) => call(running.stack.baseUrl, TENANT_A.key, method, p, body, headers);
const B = (method: string, p: string, body?: unknown) => call(running.stack.baseUrl, TENANT_B.key, method, p, body);

async function album(files: Array<{ name: string; contentType: string; data: Buffer }>) {
  const created = await A('POST', '/v1/albums', { title: 'people' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.albumId as string;
  const added = await A('POST', `/v1/albums/${id}/photos`, photosForm(files));
  assert.ok(added.status < 300, JSON.stringify(added.body));
  await A('POST', `/v1/albums/${id}/close`);
  await waitFor(
    () => A('GET', `/v1/albums/${id}`),
    (r) => r.body.status === 'completed',
    600_000,
  );
  const results = await A('GET', `/v1/albums/${id}/results`);
  const idOf = (name: string) => results.body.items.find((i: { name: string }) => i.name === name).photoId as string;
  return { id, results: results.body, idOf };
}

describe('people across albums and word search', { skip }, () => {
  test('name a person, see the name in a second album, correct, and search', { timeout: 900_000 }, async () => {
    const first = await album(await demoPhotoFiles(base.models.cacheDir));
    const listed = await A('GET', '/v1/people');
    assert.equal(listed.status, 200);
    const player = listed.body.items.find((p: { photos: number }) => p.photos === 2);
    assert.ok(player, `the player of game-1/game-2 is one person: ${JSON.stringify(listed.body.items)}`);
    assert.match(player.cover.cropUrl, /^http/);
    const crop = await fetch(player.cover.cropUrl);
    assert.equal(crop.status, 200);
    assert.equal((await sharp(Buffer.from(await crop.arrayBuffer())).metadata()).width, 160);

    const renamed = await A('PATCH', `/v1/people/${player.personId}`, { name: '서연' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.name, '서연');
    const inAlbum = first.results.people.find((p: { personId: string }) => p.personId === player.personId);
    assert.ok(inAlbum, 'the album lists the tenant person');

    // A second album: another frame of the same player (mirrored, smaller) and the cat.
    const roots = await ensureEvalPhotos(base.models.cacheDir, undefined, ['skimage', 'opencv']);
    const again = await sharp(fs.readFileSync(path.join(roots.opencv, 'basketball1.png')))
      .flop()
      .resize(560)
      .jpeg()
      .toBuffer();
    const second = await album([
      { name: 'rematch.jpg', contentType: 'image/jpeg', data: again },
      { name: 'cat-again.png', contentType: 'image/png', data: fs.readFileSync(path.join(roots.skimage, 'chelsea.png')) },
    ]);
    const named = second.results.people.find((p: { personId: string }) => p.personId === player.personId);
    assert.ok(named, `the second album's face is the known person: ${JSON.stringify(second.results.people)}`);
    assert.equal(named.name, '서연');

    const photos = await A('GET', `/v1/people/${player.personId}/photos`);
    assert.deepEqual(photos.body.items.map((i: { name: string }) => i.name).sort(), ['game-1.png', 'game-2.png', 'rematch.jpg']);
    assert.match(photos.body.items[0].url, /^http/);

    // Clear codes.
    const itself = await A('POST', `/v1/people/${player.personId}/merge`, { personIds: [player.personId] });
    assert.equal(itself.body.error?.code, 'MERGE_INTO_ITSELF');
    assert.equal(itself.status, 422);
    const unknown = await A('POST', `/v1/people/${player.personId}/merge`, { personIds: ['pe_zzzzzz'] });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'PERSON_NOT_FOUND');
    assert.equal((await A('PATCH', `/v1/people/${player.personId}`, { name: 'x'.repeat(101) })).body.error.code, 'INVALID_PERSON_NAME');
    assert.equal((await A('PATCH', `/v1/people/${player.personId}`, { name: 'a\nb' })).status, 422);
    assert.equal((await B('GET', `/v1/people/${player.personId}`)).body.error.code, 'PERSON_NOT_FOUND', 'another tenant sees nothing');

    // Move the mirrored frame's face out into a new person, idempotently (Idempotency-Key), then merge it back.
    const person = await A('GET', `/v1/people/${player.personId}`);
    const face = person.body.faceList.find((f: { albumId: string }) => f.albumId === second.id).faceId as string;
    const other = listed.body.items.find((p: { personId: string }) => p.personId !== player.personId);
    if (other) {
      const wrong = await A('POST', `/v1/people/${other.personId}/faces/${face}/move`, {});
      assert.equal(wrong.status, 409);
      assert.equal(wrong.body.error.code, 'FACE_NOT_IN_PERSON');
    }
    const key = { 'Idempotency-Key': 'move-once' };
    const moved = await A('POST', `/v1/people/${player.personId}/faces/${face}/move`, {}, key);
    assert.equal(moved.status, 201, JSON.stringify(moved.body));
    // The first answer's record is saved just after it is sent: until then the key reads as in use (409).
    const replayed = await waitFor(
      () => A('POST', `/v1/people/${player.personId}/faces/${face}/move`, {}, key),
      (r) => r.status !== 409,
    );
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    assert.equal(replayed.body.to, moved.body.to, 'the retried move answers the same new person');
    const secondNow = await A('GET', `/v1/albums/${second.id}/results`);
    assert.ok(
      secondNow.body.people.some((p: { personId: string; name: string | null }) => p.personId === moved.body.to && p.name === null),
      'the next results show the correction',
    );
    const merged = await A('POST', `/v1/people/${player.personId}/merge`, { personIds: [moved.body.to] });
    assert.equal(merged.status, 200);
    assert.equal((await A('POST', `/v1/people/${player.personId}/merge`, { personIds: [moved.body.to] })).status, 200, 'merging again is a no-op');
    assert.equal((await A('GET', `/v1/people/${moved.body.to}`)).body.personId, player.personId, 'the merged id redirects');

    // Word search.
    const cat = await A('GET', `/v1/search?q=${encodeURIComponent('고양이')}`);
    assert.equal(cat.status, 200, JSON.stringify(cat.body));
    assert.deepEqual(
      cat.body.items
        .slice(0, 2)
        .map((i: { name: string }) => i.name)
        .sort(),
      ['cat-again.png', 'cat.png'],
      JSON.stringify(cat.body),
    );
    assert.equal(cat.body.items[0].reasons[0].kind, 'label');
    const coffee = await A('GET', '/v1/search?q=coffee');
    assert.equal(coffee.body.items[0]?.name, 'coffee.png', JSON.stringify(coffee.body));
    const onlySecond = await A('GET', `/v1/search?q=coffee&albumId=${second.id}`);
    assert.deepEqual(onlySecond.body.items, []);
    const byName = await A('GET', `/v1/search?q=${encodeURIComponent('서연')}`);
    assert.deepEqual(byName.body.items.map((i: { name: string }) => i.name).sort(), ['game-1.png', 'game-2.png', 'rematch.jpg']);
    assert.deepEqual(byName.body.items[0].reasons[0], { kind: 'person', personId: player.personId, name: '서연', score: 1 });
    assert.equal((await A('GET', '/v1/search?q=')).status, 400);
  });
});
