/**
 * multipart/form-data uploads, parsed with busboy and spooled to disk one file at a time.
 *
 * Why not a middleware that fails the whole request: one bad part (too large, a hostile name)
 * must cost only that part, and a malformed body must be the client's 400, never our 500.
 * Every file is hashed while it streams, so the request has a digest for Idempotency-Key checks.
 */
import busboy from 'busboy';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { ApiError } from './errors';
import type { Rejection } from '../shared/album';

/** The signed-upload path's cap (planUploadsBody), applied to multipart names too. */
export const MAX_FILENAME_CHARS = 255;

export interface SpooledFile {
  /** Position among the request's file parts (stable across retries of the same body). */
  index: number;
  name: string;
  contentType: string;
  path: string;
  size: number;
  sha256: string;
}

export interface MultipartUpload {
  files: SpooledFile[];
  /** Parts refused one by one; the rest of the request still counts. */
  rejected: Rejection[];
  /** sha256 over every part (field, name, type, content hash), in order: the body's identity. */
  digest: string;
}

export interface MultipartLimits {
  field: string;
  maxFileBytes: number;
  maxFiles: number;
}

// C0/C1 controls, DEL, and the bidi overrides/isolates that make a name display as something else.
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Why a client file name is refused, or undefined when it is fine. */
export function filenameProblem(name: string): Rejection | undefined {
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  if ([...name].length > MAX_FILENAME_CHARS) {
    return { name: shown, code: 'FILENAME_TOO_LONG', message: `A file name has ${[...name].length} characters; the limit is ${MAX_FILENAME_CHARS}` };
  }
  if (UNSAFE_NAME.test(name)) {
    return { name: JSON.stringify(shown).slice(1, -1), code: 'INVALID_FILENAME', message: 'A file name contains control or bidirectional-override characters' };
  }
  return undefined;
}

/** Parses the request into spooled files under `spool` (which the caller removes). */
export function parseMultipart(req: Request, spool: string, limits: MultipartLimits): Promise<MultipartUpload> {
  const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') {
    return Promise.reject(new ApiError('UNSUPPORTED_CONTENT_ENCODING', 'Multipart uploads take no Content-Encoding'));
  }
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      // Names are checked by us, with a code; busboy must not truncate them first.
      limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles, fields: 20, parts: limits.maxFiles + 20, fieldSize: 64 * 1024 },
      defParamCharset: 'utf8',
      preservePath: false,
    });
  } catch (err) {
    return Promise.reject(new ApiError('MALFORMED_MULTIPART', `Not a readable multipart request: ${(err as Error).message}`));
  }

  return new Promise<MultipartUpload>((resolve, reject) => {
    const files: SpooledFile[] = [];
    const rejected: Rejection[] = [];
    // One line per part, in the request's order: writes finish in any order, the digest must not.
    const partLines: string[] = [];
    const writes: Promise<void>[] = [];
    let index = 0;
    let failed = false;
    const streams = new Set<NodeJS.ReadableStream & { destroy(): void }>();
    const fail = (err: ApiError) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      // Read off the rest so the client sees our answer instead of a reset connection.
      req.resume();
      // Stop the files still streaming, and answer only once their writes settled: the caller
      // then removes a spool folder nothing writes into any more.
      // Bounded: a write that does not settle must not hold the answer (the sweeper has the rest).
      for (const s of streams) s.destroy();
      void Promise.race([Promise.allSettled(writes), new Promise((r) => setTimeout(r, 2000).unref())]).then(() => reject(err));
    };

    bb.on('file', (field, stream, info) => {
      const i = index++;
      const name = info.filename ?? '';
      const problem =
        field !== limits.field ? { name, code: 'UNEXPECTED_FIELD', message: `Unexpected file field "${field}": use "${limits.field}"` } : filenameProblem(name);
      const hash = crypto.createHash('sha256');
      streams.add(stream);
      stream.on('close', () => streams.delete(stream));
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      if (problem) {
        rejected.push(problem);
        partLines.push(`${i}\0${field}\0${name}\0rejected\n`);
        stream.resume();
        return;
      }
      const file = path.join(spool, `part-${i}`);
      const slot = partLines.push('') - 1;
      const write = pipeline(stream, fs.createWriteStream(file)).then(async () => {
        const sha256 = hash.digest('hex');
        partLines[slot] = `${i}\0${field}\0${name}\0${info.mimeType}\0${sha256}\0${(stream as { truncated?: boolean }).truncated ? 'truncated' : size}\n`;
        if ((stream as { truncated?: boolean }).truncated) {
          await fs.promises.rm(file, { force: true });
          rejected.push({ name, code: 'FILE_TOO_LARGE', message: `"${name}" is over ${limits.maxFileBytes} bytes` });
          return;
        }
        files.push({ index: i, name, contentType: info.mimeType, path: file, size, sha256 });
      });
      // A write cut short by a failed request is reported through `fail`, not as an unhandled rejection.
      write.catch(() => undefined);
      writes.push(write);
    });
    bb.on('field', (field, value) => {
      partLines.push(`field\0${field}\0${crypto.createHash('sha256').update(value).digest('hex')}\n`);
    });
    bb.on('filesLimit', () => fail(new ApiError('TOO_MANY_FILES', `At most ${limits.maxFiles} files per request`)));
    bb.on('partsLimit', () => fail(new ApiError('TOO_MANY_FILES', 'Too many parts in one request')));
    bb.on('fieldsLimit', () => fail(new ApiError('VALIDATION_FAILED', 'Too many non-file fields')));
    bb.on('error', (err: Error) => fail(new ApiError('MALFORMED_MULTIPART', `Malformed multipart body: ${err.message}`)));
    bb.on('close', () => {
      if (failed) return;
      Promise.all(writes).then(
        () => {
          files.sort((a, b) => a.index - b.index);
          resolve({ files, rejected, digest: crypto.createHash('sha256').update(partLines.join('')).digest('hex') });
        },
        (err: Error) => fail(new ApiError('MALFORMED_MULTIPART', `A part could not be read: ${err.message}`)),
      );
    });
    req.on('aborted', () => fail(new ApiError('REQUEST_ABORTED', 'The client aborted the upload')));
    req.on('error', () => fail(new ApiError('REQUEST_ABORTED', 'The client aborted the upload')));
    req.pipe(bb);
  });
}
