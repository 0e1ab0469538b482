/**
 * The album's bookkeeping (AlbumLedger): status, counters, the ETA stopwatch, and the state a
 * continued run starts from. Plain code, tested without a workflow.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlbumInput, PhotoFailureRecord, PhotoRef } from '../../src/shared/album';
import { AlbumLedger, RECENT_FAILURES } from '../../src/workflows/album-ledger';

const input: AlbumInput = {
  tenantId: 'acme',
  albumId: 'alb_ledger000',
  createdAt: '2026-01-01T00:00:00.000Z',
  idleCloseMs: 3600_000,
  analysis: 1,
  settings: { batchSize: 2, parallelism: 4, heartbeatSeconds: 30, continueAsNewAfterEvents: 10_000, maxPhotos: 100, settleMs: 0 },
};
const photo = (i: number): PhotoRef => ({
  photoId: `ph_ledger${String(i).padStart(4, '0')}`,
  name: `p${i}.jpg`,
  key: `tenants/acme/albums/alb_ledger000/photos/${i}`,
});
const failure = (p: PhotoRef): PhotoFailureRecord => ({
  photoId: p.photoId,
  name: p.name,
  stage: 'decode',
  code: 'CORRUPT_IMAGE',
  message: 'bad',
  attempts: 1,
});
const methods = { embedding: 'e', category: 'c', faces: 'f', quality: 'q' };

test('a new album is idle with nothing to do; photos make it processing, then settling until the album step ran', () => {
  const ledger = new AlbumLedger(input);
  assert.equal(ledger.status(), 'idle');
  assert.equal(ledger.add(photo(1)), true);
  assert.equal(ledger.add(photo(1)), false, 'a known photo is not queued twice');
  assert.equal(ledger.status(), 'processing');

  const batch = ledger.nextBatch(2)!;
  assert.deepEqual(
    batch.map((p) => p.photoId),
    [photo(1).photoId],
  );
  ledger.batchStarted(batch.length, 1000);
  assert.equal(ledger.status(), 'processing', 'in flight');
  ledger.recordBatch({ outcomes: [{ photoId: photo(1).photoId, ok: true, cacheHit: true }], methods });
  ledger.batchEnded(batch.length, 3000);
  // Every photo is done, but the album-wide results do not cover it yet.
  assert.equal(ledger.status(), 'settling');
  assert.equal(ledger.view(3000).progress.album.upToDate, false);

  ledger.albumRunning = true;
  assert.equal(ledger.status(), 'settling');
  ledger.albumRunning = false;
  ledger.albumStepDone({ resultsKey: 'k/album.json', photos: 1, highlights: 1, duplicateGroups: 0, people: 0, durationMs: 40 });
  assert.equal(ledger.status(), 'idle');
  ledger.outcome = 'completed';
  assert.equal(ledger.status(), 'completed');

  const view = ledger.view(5000);
  assert.deepEqual(view.counts, { total: 1, analyzed: 1, failed: 0, pending: 0 });
  assert.deepEqual(view.progress.album, { runs: 1, running: false, lastDurationMs: 40, upToDate: true });
  assert.equal(view.progress.cacheHits, 1);
  assert.equal(view.resultsKey, 'k/album.json');
  assert.deepEqual(view.methods, methods);
});

test('rate and ETA count busy time only, not the idle time between batches', () => {
  const ledger = new AlbumLedger(input);
  for (let i = 1; i <= 4; i++) ledger.add(photo(i));
  const first = ledger.nextBatch(2)!;
  ledger.batchStarted(2, 0);
  ledger.recordBatch({ outcomes: first.map((p) => ({ photoId: p.photoId, ok: true as const, cacheHit: false })), methods });
  ledger.batchEnded(2, 2000);
  // An hour passes with nothing in flight: the rate stays 1 photo/s, so 2 photos left is 2 s.
  const later = ledger.view(3_602_000).progress.photos;
  assert.equal(later.ratePerSecond, 1);
  assert.equal(later.etaSeconds, 2);
});

test('a batch that failed whole is split: its photos come back one at a time, before the queue', () => {
  const ledger = new AlbumLedger(input);
  for (let i = 1; i <= 3; i++) ledger.add(photo(i));
  const batch = ledger.nextBatch(2)!;
  ledger.splitBatch(batch);
  assert.deepEqual(ledger.nextBatch(2), [photo(1)]);
  assert.deepEqual(ledger.nextBatch(2), [photo(2)]);
  assert.deepEqual(ledger.nextBatch(2), [photo(3)]);
  assert.equal(ledger.nextBatch(2), undefined);
});

test('only the latest failures are kept for the view, every one is counted', () => {
  const ledger = new AlbumLedger(input);
  for (let i = 0; i < RECENT_FAILURES + 5; i++) ledger.recordFailure(failure(photo(i)));
  const view = ledger.view(0);
  assert.equal(view.counts.failed, RECENT_FAILURES + 5);
  assert.equal(view.failed.length, RECENT_FAILURES);
  assert.equal(view.failed.at(-1)!.photoId, photo(RECENT_FAILURES + 4).photoId);
});

test('a snapshot restores into an equal ledger, with waiting photos handed over as page keys', () => {
  const ledger = new AlbumLedger(input);
  for (let i = 1; i <= 5; i++) ledger.add(photo(i));
  const batch = ledger.nextBatch(2)!;
  ledger.batchStarted(2, 0);
  ledger.recordBatch({
    outcomes: [
      { photoId: batch[0]!.photoId, ok: true, cacheHit: false },
      { photoId: batch[1]!.photoId, ok: false, failure: failure(batch[1]!) },
    ],
    methods,
  });
  ledger.batchEnded(2, 4000);
  ledger.closeRequested = true;
  assert.deepEqual(
    ledger.leftover().map((p) => p.photoId),
    [3, 4, 5].map((i) => photo(i).photoId),
  );

  const state = ledger.snapshot(['page-0']);
  const next = new AlbumLedger({ ...input, runIndex: 1 });
  next.restore(JSON.parse(JSON.stringify(state)));
  assert.deepEqual(next.view(4000).counts, ledger.view(4000).counts);
  assert.deepEqual(next.view(4000).progress, ledger.view(4000).progress);
  assert.equal(next.closeRequested, true);
  assert.equal(next.has(photo(1).photoId), true);
  assert.equal(next.add(photo(4)), false, 'a photo of the earlier run is known');
  // The leftover photos come back from their stored page.
  assert.equal(next.hasWaiting(), true);
  assert.equal(next.status(), 'processing');
  assert.equal(next.nextPageKey(4), 'page-0');
  assert.equal(next.nextPageKey(4), undefined);
  assert.equal(next.view(0).runIndex, 1);
});
