/**
 * The isolated decoder: photos are decoded in child processes, and every way a poison file can
 * go wrong (native crash, endless decode, runaway memory) is produced on purpose with the
 * TEST-ONLY hook payloads of src/activities/album/decode/protocol.ts. Those are honoured only by a
 * decoder created with `testHooks: true` in a process whose NODE_ENV is "test" — hence the line
 * below, before any child is forked (children inherit the environment).
 */
process.env.NODE_ENV = 'test';

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { after, test } from 'node:test';
import sharp from 'sharp';
import {
  DecoderClosedError,
  createIsolatedDecoder,
  describeDecodeFailure,
  testHookPayload,
  type DecodeOk,
  type DecodeResult,
  type IsolatedDecoder,
  type IsolatedDecoderOptions,
} from '../../src/activities/album/decode/isolated-decode';
import { pngBomb, scene } from '../../src/dev/demo-photos';

const quiet = { warn: () => {}, info: () => {} };
const decoders: IsolatedDecoder[] = [];
function decoder(overrides: Partial<IsolatedDecoderOptions> = {}): IsolatedDecoder {
  const d = createIsolatedDecoder({ timeoutMs: 5000, maxMemoryMb: 384, poolSize: 2, maxPixels: 150e6, testHooks: true, logger: quiet, ...overrides });
  decoders.push(d);
  return d;
}
after(() => Promise.all(decoders.map((d) => d.close())));

function assertOk(result: DecodeResult): asserts result is DecodeOk {
  assert.equal(result.kind, 'ok', `expected ok, got ${JSON.stringify(result)}`);
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/** Children of this test process still running, by command line (Linux procps). */
function liveDecoderChildren(): string[] {
  if (os.platform() !== 'linux') return [];
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('decode-child'));
  } catch {
    return []; // ps exits 1 when no process matches
  }
}

test('a good JPEG decodes in a child: dimensions, format and the same greyscale raster sharp gives in-process', async () => {
  const d = decoder();
  const photo = await scene(800, 600);
  const result = await d.decode(photo);
  assertOk(result);
  assert.deepEqual([result.width, result.height, result.format], [800, 600, 'jpeg']);
  assert.deepEqual([result.gray!.width, result.gray!.height, result.gray!.data.length], [800, 600, 800 * 600]);
  assert.ok(Buffer.isBuffer(result.gray!.data));
  const local = await sharp(photo).autoOrient().greyscale().raw().toBuffer();
  assert.ok(local.equals(result.gray!.data), 'the raster must not change by crossing the process boundary');
});

test('large photos come back at most 1024 px, and EXIF orientation is applied to the dimensions', async () => {
  const d = decoder();
  const big = await d.decode(await scene(2400, 1600));
  assertOk(big);
  assert.deepEqual([big.width, big.height, big.gray!.width, big.gray!.height], [2400, 1600, 1024, 683]);

  const portrait = await sharp(await scene(640, 480))
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toBuffer();
  const turned = await d.decode(portrait);
  assertOk(turned);
  assert.deepEqual([turned.width, turned.height, turned.gray!.width, turned.gray!.height], [480, 640, 480, 640]);
});

test('bad input is reported as bad-input, with the code the activity records', async () => {
  const d = decoder();
  const photo = await scene(1024, 768, 3);
  const truncated = await d.decode(photo.subarray(0, Math.floor(photo.length * 0.4)));
  assert.equal(truncated.kind, 'bad-input');
  assert.equal(truncated.kind === 'bad-input' && truncated.code, 'CORRUPT_IMAGE');
  assert.match((truncated as { message: string }).message, /cannot be decoded|premature end/i);

  const text = await d.decode(Buffer.from('definitely not a photo'));
  assert.deepEqual([text.kind, text.kind === 'bad-input' && text.code], ['bad-input', 'CORRUPT_IMAGE']);

  const bomb = await d.decode(pngBomb());
  assert.deepEqual([bomb.kind, bomb.kind === 'bad-input' && bomb.code], ['bad-input', 'PIXEL_LIMIT_EXCEEDED']);
  assert.match((bomb as { message: string }).message, /400\.0 MP, over the 150\.0 MP limit/);

  // An iPhone-style HEVC HEIC (made with libheif's heif-enc): a real photo this libvips cannot
  // decode, reported as such and not as corruption.
  const heic = await d.decode(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'images', 'hevc-320x240.heic')));
  assert.deepEqual([heic.kind, heic.kind === 'bad-input' && heic.code], ['bad-input', 'UNSUPPORTED_FORMAT']);
  assert.match((heic as { message: string }).message, /HEVC-coded HEIC/);

  assert.deepEqual(describeDecodeFailure(bomb as Exclude<DecodeResult, DecodeOk>).retryable, false);
  assert.deepEqual(describeDecodeFailure(heic as Exclude<DecodeResult, DecodeOk>).retryable, false);
  assert.deepEqual(d.stats().outcomes['bad-input'], 4);
  assert.equal(d.stats().forks, 1, 'bad input must not cost a child');
});

test('poison files kill only their child: timeout, memory (RSS watchdog and V8 heap), crash — and the pool recovers each time', async () => {
  const d = decoder({ timeoutMs: 2000, maxMemoryMb: 320, poolSize: 1 });
  const good = await scene(640, 480);
  assertOk(await d.decode(good));
  const cases: [Parameters<typeof testHookPayload>[0], DecodeResult['kind']][] = [
    ['hang', 'timeout'],
    ['native-memory', 'memory'],
    ['heap-memory', 'memory'],
    ['segfault', 'crashed'],
    ['exit', 'crashed'],
  ];
  for (const [hook, expected] of cases) {
    const [pidBefore] = d.stats().pids;
    const started = Date.now();
    const result = await d.decode(testHookPayload(hook));
    assert.equal(result.kind, expected, `${hook}: ${JSON.stringify(result)}`);
    assert.ok(pidBefore !== undefined && !isAlive(pidBefore), `${hook}: the poisoned child must be gone`);
    if (hook === 'hang') {
      assert.ok(Date.now() - started < 2000 + 1500, 'the timeout must be enforced promptly');
      assert.equal(describeDecodeFailure(result as Exclude<DecodeResult, DecodeOk>).code, 'DECODE_TIMEOUT');
    }
    if (hook === 'native-memory' && result.kind === 'memory') {
      assert.ok(result.rssMb !== null && result.rssMb > 320, `watchdog saw ${result.rssMb} MB`);
      assert.match(result.message, /320 MB memory limit/);
    }
    if (hook === 'heap-memory') assert.match((result as { message: string }).message, /heap/);
    if (hook === 'segfault' && result.kind === 'crashed') assert.equal(result.signal, 'SIGSEGV');
    if (hook === 'exit' && result.kind === 'crashed') assert.deepEqual([result.signal, result.exitCode], [null, 3]);
    // The very next photo decodes, on a fresh child.
    const after = await d.decode(good);
    assertOk(after);
    assert.notEqual(d.stats().pids[0], pidBefore);
  }
  const { outcomes } = d.stats();
  assert.deepEqual(outcomes, { ok: 6, 'bad-input': 0, crashed: 2, timeout: 1, memory: 2 });
});

test('the hooks are inert unless the decoder asks for them: a hook payload is just a bad file', async () => {
  const d = decoder({ testHooks: false });
  const result = await d.decode(testHookPayload('segfault'));
  assert.equal(result.kind, 'bad-input');
});

test('the hooks also need NODE_ENV=test in the child: asking for them elsewhere changes nothing', async () => {
  process.env.NODE_ENV = 'development';
  let d: IsolatedDecoder;
  try {
    d = decoder({ testHooks: true });
    await d.warmUp(); // the child takes its environment at fork time
  } finally {
    process.env.NODE_ENV = 'test';
  }
  const result = await d.decode(testHookPayload('segfault'));
  assert.equal(result.kind, 'bad-input');
});

test('20 concurrent decodes all complete on a pool of 2, and a crash among them harms no other photo', async () => {
  const d = decoder({ poolSize: 2 });
  const photos = await Promise.all(Array.from({ length: 20 }, (_, i) => scene(320 + i * 16, 240 + i * 8, (i % 5) + 1)));
  const jobs = photos.map((p) => d.decode(p));
  void jobs.splice(7, 0, d.decode(testHookPayload('segfault')));
  const results = await Promise.all(jobs);
  assert.equal(results[7]!.kind, 'crashed');
  const good = results.filter((_, i) => i !== 7);
  good.forEach((r, i) => {
    assertOk(r);
    assert.deepEqual([r.width, r.height], [320 + i * 16, 240 + i * 8]);
  });
  assert.ok(d.stats().pids.length <= 2);
  assert.equal(d.stats().queued, 0);
});

test('close() kills every child, in-flight and idle, and leaves no process behind', async () => {
  const d = decoder({ poolSize: 3 });
  await d.warmUp();
  const { pids } = d.stats();
  assert.equal(pids.length, 3);
  assert.ok(pids.every(isAlive));
  if (os.platform() === 'linux') assert.ok(liveDecoderChildren().length >= 3, 'the process listing must see the children it later checks for');

  const small = await scene(64, 48);
  // Observed from the start: they settle while close() is awaited.
  const inFlight = d.decode(testHookPayload('hang')).then(
    (r) => r,
    (err: unknown) => err,
  );
  const queued = Promise.allSettled([d.decode(small), d.decode(small), d.decode(small), d.decode(small)]);
  await d.close();
  assert.ok((await inFlight) instanceof DecoderClosedError);
  // Queued photos were either decoded before close or rejected — never left pending.
  for (const r of await queued) {
    if (r.status === 'rejected') assert.ok(r.reason instanceof DecoderClosedError);
  }
  await assert.rejects(d.decode(small), DecoderClosedError);

  assert.deepEqual(pids.filter(isAlive), []);
  assert.deepEqual(d.stats().pids, []);
  await Promise.all(decoders.map((x) => x.close()));
  assert.deepEqual(liveDecoderChildren(), []);
});

test('options are validated', () => {
  assert.throws(() => createIsolatedDecoder({ timeoutMs: 0, maxMemoryMb: 256, poolSize: 1, maxPixels: 1e6 }), /timeoutMs/);
  assert.throws(() => createIsolatedDecoder({ timeoutMs: 1000, maxMemoryMb: 256, poolSize: Number.NaN, maxPixels: 1e6 }), /poolSize/);
});
