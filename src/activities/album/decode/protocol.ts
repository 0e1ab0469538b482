/**
 * What the CPU worker and its decoder children say to each other over the IPC channel, and what
 * a decode comes back as. Shared by both sides so they cannot drift apart.
 */

import type { QualityScore } from '../../../analysis/photo-quality';

/** Codes for input that is bad in itself: retrying it can never help. */
export type BadInputCode = 'CORRUPT_IMAGE' | 'PIXEL_LIMIT_EXCEEDED' | 'UNSUPPORTED_FORMAT';

/**
 * What a libvips error says about the file. The bundled libvips reads HEIF only with AV1 inside
 * (AVIF): an iPhone's HEVC-coded HEIC is a valid photo it cannot decode, which is not corruption.
 */
export function classifyDecodeError(message: string): { code: BadInputCode; message: string } {
  if (/pixel limit/i.test(message)) return { code: 'PIXEL_LIMIT_EXCEEDED', message };
  if (/unsupported (codec|feature)|compression format|no decoder/i.test(message)) {
    return {
      code: 'UNSUPPORTED_FORMAT',
      message: `the image's encoding cannot be decoded here (${message}); HEVC-coded HEIC photos need converting to JPEG first`,
    };
  }
  return { code: 'CORRUPT_IMAGE', message: `the image cannot be decoded (${message})` };
}

export interface GrayRaster {
  /** One byte per pixel, row-major, no padding: `width * height` bytes. */
  data: Buffer;
  width: number;
  height: number;
}

/** Interleaved 8-bit sRGB, alpha flattened on white: `width * height * 3` bytes. */
export interface RgbRaster {
  data: Buffer;
  width: number;
  height: number;
  channels: 3;
}

export interface DecodeOk {
  kind: 'ok';
  /** Display dimensions, after EXIF orientation. */
  width: number;
  height: number;
  /** libvips's name for the format (jpeg, png, heif…), null when it does not say. */
  format: string | null;
  /** Greyscale, auto-oriented, fitted inside GRAY_MAX_SIDE: what the quality measures read. */
  gray?: GrayRaster;
  /** The 32×32 RGB thumbnail the perceptual embedding is computed from. */
  thumb: Buffer;
  /** Sharpness, exposure, noise and resolution, measured in the child (off the worker's event loop). */
  quality: QualityScore;
  /** Auto-oriented sRGB fitted inside GRAY_MAX_SIDE, only when asked for: what models preprocess from. */
  rgb?: RgbRaster;
  durationMs: number;
}

export interface DecodeBadInput {
  kind: 'bad-input';
  code: BadInputCode;
  message: string;
  durationMs: number;
}

/** The child died on its own: a native crash (signal) or an unexpected exit. */
export interface DecodeCrashed {
  kind: 'crashed';
  signal: NodeJS.Signals | null;
  exitCode: number | null;
  message: string;
  durationMs: number;
}

export interface DecodeTimeout {
  kind: 'timeout';
  timeoutMs: number;
  message: string;
  durationMs: number;
}

export interface DecodeMemory {
  kind: 'memory';
  limitMb: number;
  /** Highest resident set seen while decoding, when the watchdog could read it. */
  rssMb: number | null;
  message: string;
  durationMs: number;
}

export type DecodeResult = DecodeOk | DecodeBadInput | DecodeCrashed | DecodeTimeout | DecodeMemory;
export type DecodeFailure = Exclude<DecodeResult, DecodeOk>;

/**
 * Quality is measured, and models preprocess, at this size: enough detail for blur and for faces,
 * cheap for 100-MP originals.
 */
export const GRAY_MAX_SIDE = 1024;

export interface DecodeOptions {
  /** Also send back the RGB raster (models need it; the classic method does not). */
  rgb?: boolean;
  /** Send back the grey raster (default true). The pipeline reads quality from the child and skips it. */
  gray?: boolean;
}

export type ParentMessage = { type: 'decode'; id: number; bytes: Buffer; options?: DecodeOptions };

export type ChildMessage =
  { type: 'ready'; testHooks: boolean } | { type: 'result'; id: number; result: Omit<DecodeOk, 'durationMs'> | Omit<DecodeBadInput, 'durationMs'> };

/**
 * TEST-ONLY poison payloads. A child started with `--test-hooks` whose configuration says
 * NODE_ENV=test treats a payload that starts with TEST_HOOK_MAGIC as an order to misbehave like
 * a poison file would, so the tests can prove the parent survives each way a decode can go
 * wrong. Anywhere else these bytes are just a file that is not an image (bad-input).
 *
 * - `hang`: spins forever on the main thread (a decoder stuck in a loop) → timeout
 * - `native-memory`: allocates and touches off-heap buffers, as libvips would → memory (RSS watchdog)
 * - `heap-memory`: fills the V8 heap until it aborts → memory (--max-old-space-size)
 * - `segfault`: raises SIGSEGV on itself, as a native crash in libvips does → crashed
 * - `exit`: exits with code 3 mid-decode → crashed
 */
export const TEST_HOOK_MAGIC = 'LIGHTBOX-DECODE-TEST-HOOK:';
export type TestHook = 'hang' | 'native-memory' | 'heap-memory' | 'segfault' | 'exit';

export function testHookPayload(hook: TestHook): Buffer {
  return Buffer.from(`${TEST_HOOK_MAGIC}${hook}`, 'latin1');
}
