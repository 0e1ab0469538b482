import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import busboy from 'busboy';
import { boundaryOf, PartHeaderEscaper, restoreControlChars } from '../../src/api/multipart-headers';

const B = 'xYz-boundary';
const body = Buffer.concat([
  Buffer.from(`preamble\r\n--${B}\r\nContent-Disposition: form-data; name="photos"; filename="good.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
  // File bytes that hold the very control bytes the headers may not: they must come through unchanged.
  Buffer.from([0, 1, 0x1b, 0x7f, 0x0d, 0x0a, 0x2d, 0x2d, 0xff]),
  Buffer.from(
    `\r\n--${B}\r\nContent-Disposition: form-data; name="photos"; filename="a\u0000b\u001bc.jpg"\r\nContent-Type: image/jpeg\r\n\r\nbad\r\n--${B}--\r\n`,
  ),
]);

/** Feeds `chunks` through the escaper into busboy; returns each file's restored name and bytes. */
function parse(chunks: Buffer[]): Promise<Array<{ name: string; data: Buffer }>> {
  return new Promise((resolve, reject) => {
    const bb = busboy({ headers: { 'content-type': `multipart/form-data; boundary=${B}` }, defParamCharset: 'utf8' });
    const files: Array<{ name: string; data: Buffer }> = [];
    bb.on('file', (_field, stream, info) => {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => files.push({ name: restoreControlChars(info.filename), data: Buffer.concat(parts) }));
    });
    bb.on('error', reject);
    bb.on('close', () => resolve(files));
    Readable.from(chunks).pipe(new PartHeaderEscaper(B)).pipe(bb);
  });
}

describe('PartHeaderEscaper', () => {
  test('a control byte in one part header leaves that part readable by name, and file bytes untouched, at every chunk split', async () => {
    for (let split = 1; split < body.length; split++) {
      const files = await parse([body.subarray(0, split), body.subarray(split)]);
      assert.deepEqual(
        files.map((f) => f.name),
        ['good.jpg', 'a\u0000b\u001bc.jpg'],
        `split at ${split}`,
      );
      assert.deepEqual(files[0]!.data, Buffer.from([0, 1, 0x1b, 0x7f, 0x0d, 0x0a, 0x2d, 0x2d, 0xff]), `split at ${split}`);
    }
  });

  test('one byte at a time', async () => {
    const files = await parse([...body].map((b) => Buffer.from([b])));
    assert.equal(files.length, 2);
    assert.equal(files[1]!.name, 'a\u0000b\u001bc.jpg');
  });

  test('boundaryOf reads quoted and bare boundaries, and nothing from a header without one', () => {
    assert.equal(boundaryOf('multipart/form-data; boundary=abc'), 'abc');
    assert.equal(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b;c"'), 'a b;c');
    assert.equal(boundaryOf('multipart/form-data'), undefined);
  });
});
