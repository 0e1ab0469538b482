/** Every update the API sends a workflow stays under the payload bound (issue 13, defect 2). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkForUpdates, MAX_UPDATE_PAYLOAD_BYTES } from '../../src/api/services/update-chunks';

const ref = (i: number, nameChars: number) => ({
  photoId: `ph_${String(i).padStart(24, '0')}`,
  name: 'n'.repeat(nameChars),
  key: `tenants/acme/albums/alb_x/photos/ph_${i}`,
  contentType: 'image/jpeg',
});

test('chunks respect both the item count and the byte bound, and keep order', () => {
  const items = Array.from({ length: 1000 }, (_, i) => ref(i, 255 * 3));
  const chunks = chunkForUpdates(items, 1000);
  assert.ok(chunks.length > 1, 'long names split the batch');
  for (const c of chunks) assert.ok(Buffer.byteLength(JSON.stringify(c)) <= MAX_UPDATE_PAYLOAD_BYTES);
  assert.deepEqual(chunks.flat(), items);
  assert.deepEqual(
    chunkForUpdates(
      Array.from({ length: 25 }, (_, i) => ref(i, 5)),
      10,
    ).map((c) => c.length),
    [10, 10, 5],
  );
  assert.deepEqual(chunkForUpdates([], 10), []);
});

test('a single item over the bound is refused rather than sent', () => {
  assert.throws(() => chunkForUpdates([ref(1, 200_000)], 10), RangeError);
});
