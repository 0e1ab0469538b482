/**
 * The decoder child: the only place a CPU worker's photo bytes meet libvips. It runs one decode
 * at a time for the pool in isolated-decode.ts, so a file that crashes libvips, never finishes
 * or eats memory kills this process — which the parent replaces — and not the worker.
 *
 * Started by fork() only; arguments: --max-pixels=N --max-memory-mb=N --self-timeout-ms=N
 * [--test-hooks]. See protocol.ts for the messages.
 */
import sharp, { type Metadata } from 'sharp';
import { thumbnailFrom } from '../../../analysis/perceptual-embedding';
import { qualityScore } from '../../../analysis/photo-quality';
import {
  GRAY_MAX_SIDE,
  TEST_HOOK_MAGIC,
  classifyDecodeError,
  type ChildMessage,
  type DecodeBadInput,
  type DecodeOk,
  type DecodeOptions,
  type ParentMessage,
  type TestHook,
} from './protocol';

type ChildResult = Omit<DecodeOk, 'durationMs'> | Omit<DecodeBadInput, 'durationMs'>;

function argNumber(name: string): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const value = Number(raw);
  if (!raw || !Number.isFinite(value) || value <= 0) {
    process.stderr.write(`decode-child: missing or invalid --${name}\n`);
    process.exit(64);
  }
  return value;
}

const maxPixels = argNumber('max-pixels');
const maxMemoryMb = argNumber('max-memory-mb');
const selfTimeoutMs = argNumber('self-timeout-ms');

// libvips keeps decoded images in an operation cache and spreads work over a thread per core;
// in a single-photo process the cache only inflates RSS and the threads multiply memory by the
// core count, while the pool already gives one process per CPU slot.
sharp.cache(false);
sharp.concurrency(1);

function send(message: ChildMessage): void {
  // The parent may already be gone; the disconnect handler below ends this process then.
  if (process.connected) process.send!(message, undefined, undefined, () => {});
}

function badInput(code: DecodeBadInput['code'], message: string): Omit<DecodeBadInput, 'durationMs'> {
  return { kind: 'bad-input', code, message };
}

async function decode(bytes: Buffer, options: DecodeOptions = {}): Promise<ChildResult> {
  // The header alone tells the pixel count: refuse bombs before libvips allocates anything.
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    return badInput('CORRUPT_IMAGE', `the image header cannot be read (${(err as Error).message})`);
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) return badInput('CORRUPT_IMAGE', 'the image has no dimensions');
  if (meta.format === 'heif' && meta.compression === 'hevc') {
    // What iPhones write. The bundled libvips decodes AV1-coded HEIF (AVIF) only.
    return badInput('UNSUPPORTED_FORMAT', 'HEVC-coded HEIC cannot be decoded here (the bundled libvips reads AVIF-coded HEIF only); convert it to JPEG first');
  }
  if (width * height > maxPixels) {
    return badInput(
      'PIXEL_LIMIT_EXCEEDED',
      `${width}×${height} is ${((width * height) / 1e6).toFixed(1)} MP, over the ${(maxPixels / 1e6).toFixed(1)} MP limit`,
    );
  }
  try {
    // One decode of the untrusted bytes; the grey raster, the thumbnail and the models' input
    // are all derived from this trusted raster.
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated', sequentialRead: true })
      .autoOrient()
      .resize(GRAY_MAX_SIDE, GRAY_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      return badInput('CORRUPT_IMAGE', `unexpected raster ${info.width}×${info.height}×${info.channels}`);
    }
    const raw = { raw: { width: info.width, height: info.height, channels: 3 as const } };
    const gray = await sharp(data, raw).greyscale().raw().toBuffer();
    const thumb = Buffer.from(await thumbnailFrom(sharp(data, raw)));
    const quality = qualityScore(new Uint8Array(gray.buffer, gray.byteOffset, gray.length), info.width, info.height, { width, height });
    return {
      kind: 'ok',
      width,
      height,
      format: meta.format ?? null,
      ...(options.gray === false ? {} : { gray: { data: gray, width: info.width, height: info.height } }),
      thumb,
      quality,
      ...(options.rgb ? { rgb: { data, width: info.width, height: info.height, channels: 3 as const } } : {}),
    };
  } catch (err) {
    const message = (err as Error).message;
    const why = classifyDecodeError(message);
    return badInput(why.code, why.message);
  }
}

/** Test-only misbehaviour; see TEST_HOOK_MAGIC in protocol.ts for what each does and why. */
async function runTestHook(hook: TestHook): Promise<ChildResult> {
  switch (hook) {
    case 'hang':
      for (;;) {
        // A busy loop, not a pending promise: the event loop is blocked, so only a SIGKILL
        // from outside can end it — like a decoder spinning inside native code.
      }
    case 'native-memory': {
      const held: Buffer[] = [];
      // The cap keeps a broken watchdog from taking the test machine down; the decode then
      // ends as a timeout and the test fails, as it should.
      while (held.length * 16 < maxMemoryMb * 4) {
        held.push(Buffer.alloc(16 * 1024 * 1024, 1));
        await new Promise((r) => setImmediate(r));
      }
      return new Promise(() => {});
    }
    case 'heap-memory': {
      const held: unknown[] = [];
      for (;;) held.push({ values: new Array(1024).fill(held.length) });
    }
    case 'segfault':
      process.kill(process.pid, 'SIGSEGV');
      return new Promise(() => {});
    case 'exit':
      process.exit(3);
  }
  return badInput('CORRUPT_IMAGE', `unknown test hook "${hook as string}"`);
}

let testHooks = false;

async function handle(message: ParentMessage): Promise<void> {
  if (message?.type !== 'decode') return;
  // Backstop for a parent that died without killing us while a decode hangs in native code
  // (the event loop stays free there, so this timer still fires).
  const backstop = setTimeout(() => process.exit(70), selfTimeoutMs);
  try {
    const bytes = Buffer.isBuffer(message.bytes) ? message.bytes : Buffer.from(message.bytes);
    // The magic may follow a few real header bytes, so a poison payload also passes the
    // activity's magic-byte sniffing and reaches the decoder as a real upload would.
    const at = testHooks ? bytes.subarray(0, 64).indexOf(TEST_HOOK_MAGIC, 0, 'latin1') : -1;
    const result =
      at >= 0 ? await runTestHook(bytes.subarray(at + TEST_HOOK_MAGIC.length).toString('latin1') as TestHook) : await decode(bytes, message.options);
    send({ type: 'result', id: message.id, result });
  } finally {
    clearTimeout(backstop);
  }
}

function main(): void {
  if (process.argv.includes('--test-hooks')) {
    // Loaded only here so a production child never pays for the config module; the hooks
    // need both the parent's request and a test configuration.
    // require, not import(): a dynamic import() goes through the ESM loader, which a child
    // started with only tsx's CJS hook cannot resolve for a .ts directory module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { loadConfig } = require('../../../config') as typeof import('../../../config');
    testHooks = loadConfig().env === 'test';
    if (!testHooks) process.stderr.write('decode-child: --test-hooks ignored because NODE_ENV is not "test"\n');
  }
  process.on('message', (message: ParentMessage) => void handle(message));
  // The worker is gone (crashed, SIGKILLed): an idle child has no one left to serve.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', testHooks });
}

if (!process.send) {
  process.stderr.write('decode-child must be started by isolated-decode.ts (fork with an IPC channel)\n');
  process.exit(64);
}
main();
