/**
 * Photos the project makes itself, for the demo and the tests: two different scenes, copies of
 * one (resized WebP, re-encoded JPEG), a blurred copy, an under- and an over-exposed shot, and
 * the bad inputs a real album meets (truncated JPEG, a text file named .jpg, an empty file, a
 * decompression bomb).
 */
import zlib from 'node:zlib';
import sharp from 'sharp';

export interface DemoFile {
  name: string;
  contentType: string;
  data: Buffer;
  /** What the pipeline should make of it. */
  expect: 'ok' | 'blurry' | 'under' | 'over' | 'CORRUPT_IMAGE' | 'NOT_AN_IMAGE' | 'EMPTY_FILE' | 'PIXEL_LIMIT_EXCEEDED';
  /** Files with the same group are copies of one photo: the pipeline should group them as duplicates. */
  copyOf?: string;
}

/** A deterministic scene with edges at several scales: stripes, discs and a gradient sky. */
export async function scene(width = 800, height = 600, seed = 1): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const sky = y < height * 0.45;
      let r = sky ? 90 + (y * 120) / height : 60 + ((x * seed) % 80);
      let g = sky ? 140 + (y * 80) / height : 110 + ((x + y) % 40);
      let b = sky ? 220 : 50;
      if (!sky && Math.floor(x / (12 + seed)) % 2 === 0) {
        r += 60;
        g += 50;
      }
      for (let k = 0; k < 4; k++) {
        const cx = ((k + 1) * width) / 5;
        const cy = height * 0.65 + ((k % 2) - 0.5) * height * 0.15;
        if ((x - cx) ** 2 + (y - cy) ** 2 < (height / (9 + k)) ** 2) {
          r = 230 - k * 30;
          g = 60 + k * 40;
          b = 40 + k * 50;
        }
      }
      raw[i] = Math.min(255, r);
      raw[i + 1] = Math.min(255, g);
      raw[i + 2] = Math.min(255, b);
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * A valid PNG header claiming width×height pixels (1-bit grey, all zero) whose compressed body
 * is tiny: the classic decompression bomb. 20000×20000 is 400 MP in ~50 KB.
 */
export function pngBomb(width = 20000, height = 20000): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const row = Buffer.alloc(1 + Math.ceil(width / 8));
  const idat = zlib.deflateSync(Buffer.alloc(row.length * height), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export async function demoAlbumFiles(): Promise<DemoFile[]> {
  const base = await scene(800, 600, 1);
  // Another scene with a different layout (sky below, as in a reflection): not a copy of the harbour.
  const second = await sharp(await scene(1024, 768, 3))
    .rotate(180)
    .jpeg({ quality: 90 })
    .toBuffer();
  const resizedCopy = await sharp(base).resize(480).webp({ quality: 70 }).toBuffer();
  const blurred = await sharp(base).blur(6).jpeg({ quality: 90 }).toBuffer();
  const dark = await sharp(base).linear(0.12, 0).jpeg().toBuffer();
  const bright = await sharp(base).linear(1, 200).jpeg().toBuffer();
  const truncated = second.subarray(0, Math.floor(second.length * 0.4));
  return [
    { name: 'harbour.jpg', contentType: 'image/jpeg', data: base, expect: 'ok', copyOf: 'harbour' },
    { name: 'lake.jpg', contentType: 'image/jpeg', data: second, expect: 'ok' },
    { name: 'harbour-small.webp', contentType: 'image/webp', data: resizedCopy, expect: 'ok', copyOf: 'harbour' },
    { name: 'harbour-shaky.jpg', contentType: 'image/jpeg', data: blurred, expect: 'blurry', copyOf: 'harbour' },
    { name: 'night.jpg', contentType: 'image/jpeg', data: dark, expect: 'under' },
    { name: 'snow-glare.jpg', contentType: 'image/jpeg', data: bright, expect: 'over' },
    { name: 'cut-off.jpg', contentType: 'image/jpeg', data: truncated, expect: 'CORRUPT_IMAGE' },
    { name: 'bomb.png', contentType: 'image/png', data: pngBomb(), expect: 'PIXEL_LIMIT_EXCEEDED' },
  ];
}

/** A multipart body with each file in the `photos` field, as the API takes it. */
export function photosForm(files: Array<Pick<DemoFile, 'name' | 'contentType' | 'data'>>): FormData {
  const form = new FormData();
  for (const f of files) form.append('photos', new Blob([f.data], { type: f.contentType }), f.name);
  return form;
}
