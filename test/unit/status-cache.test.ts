/**
 * The album status cache the watchers read (GET /v1/albums/:id, SSE): one workflow query per
 * album at a time, the last answer served while a fresh one is fetched, never an answer older
 * than maxStaleMs, failures never kept, and a change's own read-back never overwritten by an
 * older query. Time is driven by node:test's mock timers, so nothing here depends on speed.
 */
import assert from 'node:assert/strict';
import { test, mock } from 'node:test';
import { StatusCache } from '../../src/api/services/status-cache';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

test('concurrent first readers share one query and wait for it', async () => {
  const cache = new StatusCache<number>({ freshMs: 250, maxStaleMs: 3000 });
  const q = deferred<number>();
  let queries = 0;
  const fetch = () => (queries++, q.promise);
  const readers = Promise.all([cache.get('a', fetch), cache.get('a', fetch), cache.get('a', fetch)]);
  q.resolve(7);
  assert.deepEqual(await readers, [7, 7, 7]);
  assert.equal(queries, 1);
});

test('a stale answer is served at once while one refresh runs; too old an answer is waited for', async () => {
  mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  try {
    const cache = new StatusCache<number>({ freshMs: 250, maxStaleMs: 3000 });
    assert.equal(await cache.get('a', async () => 1), 1);
    mock.timers.tick(100);
    let queries = 0;
    assert.equal(await cache.get('a', async () => (queries++, 2)), 1, 'fresh: no query');
    assert.equal(queries, 0);

    mock.timers.tick(500);
    const refresh = deferred<number>();
    const fetch = () => (queries++, refresh.promise);
    assert.equal(await cache.get('a', fetch), 1, 'stale but young enough: served now');
    assert.equal(await cache.get('a', fetch), 1);
    assert.equal(queries, 1, 'one refresh in flight, not one per reader');
    refresh.resolve(2);
    await refresh.promise;
    assert.equal(await cache.get('a', fetch), 2, 'the refreshed answer');

    mock.timers.tick(5000);
    const slow = deferred<number>();
    let settled = false;
    const waiting = cache.get('a', () => slow.promise).then((v) => ((settled = true), v));
    await Promise.resolve();
    assert.equal(settled, false, 'older than maxStaleMs: the reader waits');
    slow.resolve(3);
    assert.equal(await waiting, 3);
  } finally {
    mock.timers.reset();
  }
});

test('a failed query is not kept: the next reader asks again and gets the answer', async () => {
  const cache = new StatusCache<number>({ freshMs: 250, maxStaleMs: 3000 });
  await assert.rejects(
    cache.get('gone', async () => {
      throw new Error('ALBUM_NOT_FOUND');
    }),
    /ALBUM_NOT_FOUND/,
  );
  assert.equal(await cache.get('gone', async () => 5), 5);
});

test("a change's read-back is not overwritten by an older query finishing later; invalidate forgets", async () => {
  mock.timers.enable({ apis: ['Date'], now: 2_000_000 });
  try {
    const cache = new StatusCache<string>({ freshMs: 250, maxStaleMs: 3000 });
    assert.equal(await cache.get('a', async () => 'open'), 'open');
    mock.timers.tick(1000);
    const old = deferred<string>();
    assert.equal(await cache.get('a', () => old.promise), 'open');
    mock.timers.tick(10);
    cache.set('a', 'closing');
    old.resolve('open');
    await old.promise;
    await Promise.resolve();
    assert.equal(await cache.get('a', async () => 'never asked'), 'closing');
    cache.invalidate('a');
    assert.equal(await cache.get('a', async () => 'asked again'), 'asked again');
  } finally {
    mock.timers.reset();
  }
});
