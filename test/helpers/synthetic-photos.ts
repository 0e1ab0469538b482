/**
 * Photos made on the spot for tests, calibration and demos of the album-level analysis:
 * distinct scenes and the copies a real album accumulates (resized, re-encoded, cropped,
 * EXIF-rotated). `scene()` in src/dev/demo-photos.ts is not enough for duplicate tests: its seeds
 * change only a stripe pitch under the same sky and discs, and every embedding rightly calls
 * those copies of one another.
 */
import sharp from 'sharp';

/** xorshift32: the same seed gives the same scene on every machine. */
export function seededRandom(seed: number): () => number {
  let s = (Math.imul(seed | 0, 7919) + 13) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * A scene whose layout and palette both come from the seed: a two-colour gradient at a random
 * angle, 3–7 ellipses and rectangles, and a woven texture so it has edges at several scales.
 */
export async function syntheticScene(seed: number, width = 640, height = 480): Promise<Buffer> {
  const rand = seededRandom(seed);
  const colour = () => [rand() * 255, rand() * 255, rand() * 255] as const;
  const from = colour();
  const to = colour();
  const angle = rand() * Math.PI * 2;
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const shapes = Array.from({ length: 3 + Math.floor(rand() * 5) }, () => ({
    ellipse: rand() < 0.5,
    cx: rand() * width,
    cy: rand() * height,
    rx: (0.05 + rand() * 0.25) * width,
    ry: (0.05 + rand() * 0.25) * height,
    fill: colour(),
  }));
  const freq = 0.02 + rand() * 0.1;
  const texture = rand() * 40;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + (x / width - 0.5) * ca + (y / height - 0.5) * sa));
      let px: readonly number[] = [0, 1, 2].map((k) => from[k]! * (1 - t) + to[k]! * t);
      for (const s of shapes) {
        const dx = (x - s.cx) / s.rx;
        const dy = (y - s.cy) / s.ry;
        if (s.ellipse ? dx * dx + dy * dy < 1 : Math.abs(dx) < 1 && Math.abs(dy) < 1) px = s.fill;
      }
      const weave = texture * Math.sin(x * freq) * Math.sin(y * freq * 1.3);
      const i = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) raw[i + k] = Math.max(0, Math.min(255, Math.round(px[k]! + weave)));
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
}

export type CopyKind = 'resized' | 'jpeg-q40' | 'webp' | 'crop-left' | 'crop-right' | 'crop-top' | 'crop-bottom' | 'exif-rotated' | 'crop-resize-webp';

/**
 * Every kind of copy the duplicate finder must catch. Crops take 5 % off one edge; the
 * EXIF-rotated copy stores the pixels turned a quarter and says "rotate 90° to show".
 */
export async function derivedCopies(photo: Buffer): Promise<Record<CopyKind, Buffer>> {
  const { width: w = 0, height: h = 0 } = await sharp(photo).metadata();
  const dx = Math.round(w * 0.05);
  const dy = Math.round(h * 0.05);
  const crop = (left: number, top: number, width: number, height: number) =>
    sharp(photo).extract({ left, top, width, height }).jpeg({ quality: 90 }).toBuffer();
  return {
    resized: await sharp(photo)
      .resize(Math.round(w / 2))
      .jpeg({ quality: 85 })
      .toBuffer(),
    'jpeg-q40': await sharp(photo).jpeg({ quality: 40 }).toBuffer(),
    webp: await sharp(photo).webp().toBuffer(),
    'crop-left': await crop(dx, 0, w - dx, h),
    'crop-right': await crop(0, 0, w - dx, h),
    'crop-top': await crop(0, dy, w, h - dy),
    'crop-bottom': await crop(0, 0, w, h - dy),
    'exif-rotated': await sharp(photo).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer(),
    'crop-resize-webp': await sharp(photo)
      .extract({ left: dx, top: 0, width: w - dx, height: h })
      .resize(Math.round(w / 2))
      .webp({ quality: 60 })
      .toBuffer(),
  };
}

export interface BrightSquare {
  x: number;
  y: number;
  side: number;
  /** A dark band across the lower middle: another "face" to the descriptor twins. */
  stripe?: boolean;
}

/**
 * A black PNG with white squares: what the face-detector test twins (YuNet's, BlazeFace's) find,
 * as one face each when a square is one grid cell of the detector's letterboxed input.
 */
export async function brightSquares(width: number, height: number, squares: readonly BrightSquare[]): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (const { x: x0, y: y0, side, stripe } of squares) {
    for (let y = y0; y < y0 + side; y++) {
      const dark = stripe && y - y0 >= side * 0.6 && y - y0 < side * 0.7;
      raw.fill(dark ? 40 : 255, (y * width + x0) * 3, (y * width + x0 + side) * 3);
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}
