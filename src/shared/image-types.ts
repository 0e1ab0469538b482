/**
 * What a file really is, from its first bytes. Used by the API (reject early) and by the decode
 * activity (the signed-URL path bypasses the API), so a renamed .exe never reaches libvips.
 */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'heif' | 'avif';

export const IMAGE_MIME: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  tiff: 'image/tiff',
  heif: 'image/heif',
  avif: 'image/avif',
};

/** Content types an upload may declare. image/heic is Apple's name for HEIF. */
export const ACCEPTED_CONTENT_TYPES = new Set([...Object.values(IMAGE_MIME), 'image/heic', 'image/jpg']);

const startsWith = (buf: Uint8Array, bytes: number[], offset = 0) => buf.length >= offset + bytes.length && bytes.every((b, i) => buf[offset + i] === b);
const ascii = (buf: Uint8Array, start: number, end: number) => String.fromCharCode(...buf.subarray(start, end));

export function sniffImageFormat(head: Uint8Array): ImageFormat | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1', 'heim', 'heis'].includes(brand)) return 'heif';
  }
  return null;
}

/** Whether a declared content type is compatible with the sniffed format. */
export function contentTypeMatches(declared: string | undefined, format: ImageFormat): boolean {
  if (!declared || declared === 'application/octet-stream') return true;
  const d = declared.toLowerCase().split(';')[0]!.trim();
  if (d === IMAGE_MIME[format]) return true;
  if (format === 'jpeg' && d === 'image/jpg') return true;
  if (format === 'heif' && d === 'image/heic') return true;
  return false;
}
