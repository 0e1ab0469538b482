/**
 * The bad-input corpus (issue 13): every route, hit with what an attacker or a broken client
 * sends. Each case asserts its status and code, and that no case ever gets a 5xx: a 5xx means our
 * bug or our outage, never the client's input, and it feeds the LightboxApi5xxRate alert.
 */
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { before, describe, test } from 'node:test';
import { scene } from '../../src/dev/demo-photos';
import { call, TENANT_A, useStackOnDevServer, waitFor } from '../helpers/stack';
import { multipart, raw, type RawResponse } from './http-raw';

const MAX_UPLOAD = 256 * 1024;
const logs: string[] = [];
const running = useStackOnDevServer({ LIGHTBOX_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) }, logs, { maxFilesPerRequest: 12 });
const auth = { authorization: `Bearer ${TENANT_A.key}` };
const jsonHeaders = { ...auth, 'content-type': 'application/json' };

interface Ctx {
  albumId: string;
  jpeg: Buffer;
}
interface Case {
  name: string;
  send: (ctx: Ctx, base: string) => Promise<RawResponse>;
  status: number;
  /** The error code, or for a 2xx upload the code every rejected part must carry. */
  code: string | string[];
  check?: (res: RawResponse) => void;
}

const J =
  (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  (_c: Ctx, b: string) =>
    raw(b, method, path, { ...jsonHeaders, ...headers }, typeof body === 'string' ? body : JSON.stringify(body));
const G =
  (method: string, path: string, headers: Record<string, string> = auth) =>
  (_c: Ctx, b: string) =>
    raw(b, method, path, headers);
const photos =
  (parts: Parameters<typeof multipart>[0], headers: Record<string, string> = {}, mangle?: (body: Buffer) => Buffer) =>
  (c: Ctx, b: string) => {
    const m = multipart(parts.map((p) => ({ ...p, data: p.data === 'JPEG' ? c.jpeg : p.data })));
    return raw(b, 'POST', `/v1/albums/${c.albumId}/photos`, { ...auth, 'content-type': m.contentType, ...headers }, mangle ? mangle(m.body) : m.body);
  };

/** The hostile name alone is refused (once, with a reason); the good files beside it are accepted. */
const onlyTheBadPart = (r: RawResponse) => {
  assert.deepEqual(
    r.body.accepted.map((a: { name: string }) => a.name),
    ['good-1.jpg', 'good-2.jpg'],
  );
  assert.equal(r.body.rejected.length, 1);
  assert.match(r.body.rejected[0].message, /control or bidirectional/);
};

const cases: Case[] = [
  // ---- malformed percent-encoding and hostile blob keys (defect 1)
  { name: 'album id with malformed percent-encoding', send: G('GET', '/v1/albums/%E0%A4%A'), status: 400, code: 'INVALID_PATH' },
  { name: 'album results with malformed percent-encoding', send: G('GET', '/v1/albums/%E0%A4%A/results'), status: 400, code: 'INVALID_PATH' },
  { name: 'profile PUT with malformed percent-encoding', send: J('PUT', '/v1/profiles/%E0%A4%A', { text: 'hi' }), status: 400, code: 'INVALID_PATH' },
  { name: 'profile DELETE with malformed percent-encoding', send: G('DELETE', '/v1/profiles/%E0%A4%A'), status: 400, code: 'INVALID_PATH' },
  { name: 'blob GET with malformed percent-encoding', send: G('GET', '/v1/blobs/%E0%A4%A', {}), status: 400, code: 'INVALID_PATH' },
  {
    name: 'blob GET with ..',
    send: G('GET', '/v1/blobs/tenants/acme/../globex/x?method=GET&expires=9999999999&signature=x', {}),
    status: 400,
    code: 'INVALID_BLOB_KEY',
  },
  {
    name: 'blob GET with %2e%2e',
    send: G('GET', '/v1/blobs/tenants/acme/%2e%2e/globex/x?method=GET&expires=9999999999&signature=x', {}),
    status: 400,
    code: 'INVALID_BLOB_KEY',
  },
  { name: 'blob GET with %00', send: G('GET', '/v1/blobs/tenants/acme/a%00b', {}), status: 400, code: 'INVALID_BLOB_KEY' },
  { name: 'blob GET with %1F', send: G('GET', '/v1/blobs/tenants/acme/a%1Fb', {}), status: 400, code: 'INVALID_BLOB_KEY' },
  {
    name: 'blob PUT with %2e%2e',
    send: (_c, b) => raw(b, 'PUT', '/v1/blobs/%2e%2e/%2e%2e/etc/passwd', { 'content-type': 'image/jpeg' }, 'x'),
    status: 400,
    code: 'INVALID_BLOB_KEY',
  },
  { name: 'blob GET without a signature', send: G('GET', '/v1/blobs/tenants/acme/albums/x', {}), status: 403, code: 'INVALID_SIGNATURE' },
  {
    name: 'blob PUT with an expired signature',
    send: (_c, b) => raw(b, 'PUT', '/v1/blobs/tenants/acme/x?method=PUT&expires=1&signature=abc', { 'content-type': 'image/jpeg' }, 'x'),
    status: 403,
    code: ['SIGNATURE_EXPIRED', 'INVALID_SIGNATURE'],
  },

  // ---- multipart framing (defect 1)
  {
    name: 'multipart without a boundary',
    send: (c, b) => raw(b, 'POST', `/v1/albums/${c.albumId}/photos`, { ...auth, 'content-type': 'multipart/form-data' }, 'hello'),
    status: 400,
    code: 'MALFORMED_MULTIPART',
  },
  {
    name: 'multipart with a mismatched boundary',
    send: (c, b) =>
      raw(b, 'POST', `/v1/albums/${c.albumId}/photos`, { ...auth, 'content-type': 'multipart/form-data; boundary=other' }, multipart([{ data: c.jpeg }]).body),
    status: 400,
    code: 'MALFORMED_MULTIPART',
    check: (r) => assert.match(r.body.error.message, /boundary/),
  },
  {
    name: 'multipart with a mismatched boundary and a body over the upload limit',
    send: (c, b) =>
      raw(
        b,
        'POST',
        `/v1/albums/${c.albumId}/photos`,
        { ...auth, 'content-type': 'multipart/form-data; boundary=other' },
        multipart([{ data: c.jpeg }, { filename: 'big.jpg', data: Buffer.alloc(MAX_UPLOAD * 3, 7) }]).body,
      ),
    status: 400,
    code: 'MALFORMED_MULTIPART',
    check: (r) => assert.match(r.body.error.message, /boundary/),
  },
  {
    name: 'multipart with a truncated body',
    send: photos([{ data: 'JPEG' }], {}, (body) => body.subarray(0, body.length - 40)),
    status: 400,
    code: 'MALFORMED_MULTIPART',
  },
  {
    name: 'NUL in one file name among good ones',
    send: photos([
      { filename: 'good-1.jpg', data: 'JPEG' },
      { filename: 'a\u0000b.jpg', data: 'JPEG' },
      { filename: 'good-2.jpg', data: 'JPEG' },
    ]),
    status: 202,
    code: 'INVALID_FILENAME',
    check: onlyTheBadPart,
  },
  {
    name: 'BEL in one file name among good ones',
    send: photos([
      { filename: 'good-1.jpg', data: 'JPEG' },
      { filename: 'a\u0007b.jpg', data: 'JPEG' },
      { filename: 'good-2.jpg', data: 'JPEG' },
    ]),
    status: 202,
    code: 'INVALID_FILENAME',
    check: onlyTheBadPart,
  },
  {
    name: 'ESC in one file name among good ones',
    send: photos([
      { filename: 'good-1.jpg', data: 'JPEG' },
      { filename: 'a\u001bb.jpg', data: 'JPEG' },
      { filename: 'good-2.jpg', data: 'JPEG' },
    ]),
    status: 202,
    code: 'INVALID_FILENAME',
    check: onlyTheBadPart,
  },
  {
    name: 'DEL in one file name among good ones',
    send: photos([
      { filename: 'good-1.jpg', data: 'JPEG' },
      { filename: 'a\u007fb.jpg', data: 'JPEG' },
      { filename: 'good-2.jpg', data: 'JPEG' },
    ]),
    status: 202,
    code: 'INVALID_FILENAME',
    check: onlyTheBadPart,
  },
  {
    name: 'U+202E (bidi override) in one file name among good ones',
    send: photos([
      { filename: 'good-1.jpg', data: 'JPEG' },
      { filename: 'a\u202eb.jpg', data: 'JPEG' },
      { filename: 'good-2.jpg', data: 'JPEG' },
    ]),
    status: 202,
    code: 'INVALID_FILENAME',
    check: onlyTheBadPart,
  },
  {
    name: 'U+2066 (bidi isolate) in one file name among good ones',
    send: photos([
      { filename: 'good-1.jpg', data: 'JPEG' },
      { filename: 'a\u2066b.jpg', data: 'JPEG' },
      { filename: 'good-2.jpg', data: 'JPEG' },
    ]),
    status: 202,
    code: 'INVALID_FILENAME',
    check: onlyTheBadPart,
  },
  {
    name: 'multipart with gzip Content-Encoding',
    send: photos([{ data: 'JPEG' }], { 'content-encoding': 'gzip' }),
    status: 415,
    code: 'UNSUPPORTED_CONTENT_ENCODING',
  },
  {
    name: 'multipart with no file parts',
    send: (c, b) => raw(b, 'POST', `/v1/albums/${c.albumId}/photos`, { ...auth, 'content-type': 'multipart/form-data; boundary=x' }, '--x--\r\n'),
    status: 400,
    code: 'NO_FILES',
  },

  // ---- per-file rejections inside a 202 (defects 2, 3, 4)
  { name: 'U+202E in a file name', send: photos([{ filename: 'gpj.\u202eevil.jpg', data: 'JPEG' }]), status: 202, code: 'INVALID_FILENAME' },
  {
    name: 'CR/LF in a file name (RFC 5987)',
    send: photos([{ disposition: `form-data; name="photos"; filename*=UTF-8''a%0D%0Ab.jpg`, data: 'JPEG' }]),
    status: 202,
    code: 'INVALID_FILENAME',
  },
  { name: 'a 15,000-character file name', send: photos([{ filename: 'n'.repeat(15_000) + '.jpg', data: 'JPEG' }]), status: 202, code: 'FILENAME_TOO_LONG' },
  {
    name: 'one oversized file among good ones',
    send: photos([
      { filename: 'good.jpg', data: 'JPEG' },
      { filename: 'huge.jpg', data: Buffer.alloc(MAX_UPLOAD + 1, 1) },
    ]),
    status: 202,
    code: 'FILE_TOO_LARGE',
    check: (r) =>
      assert.deepEqual(
        r.body.accepted.map((a: { name: string }) => a.name),
        ['good.jpg'],
      ),
  },
  { name: 'a file in the wrong field', send: photos([{ field: 'other', data: 'JPEG' }]), status: 202, code: 'UNEXPECTED_FIELD' },
  { name: 'a text file declared as JPEG', send: photos([{ data: 'not an image at all' }]), status: 202, code: 'NOT_AN_IMAGE' },
  { name: 'an empty file', send: photos([{ data: '' }]), status: 202, code: 'EMPTY_FILE' },
  {
    name: '13 files over the limit of 12',
    send: photos(Array.from({ length: 13 }, (_, i) => ({ filename: `p${i}.jpg`, data: 'JPEG' }))),
    status: 422,
    code: 'TOO_MANY_FILES',
  },

  // ---- encodings and media types (defect 1, low severity)
  {
    name: 'gzip Content-Encoding with a body that is not gzip',
    send: J('POST', '/v1/albums', '{"title":"x"}', { 'content-encoding': 'gzip' }),
    status: 400,
    code: 'INVALID_CONTENT_ENCODING',
  },
  {
    name: 'an unknown Content-Encoding',
    send: J('POST', '/v1/albums', '{"title":"x"}', { 'content-encoding': 'zstd-nope' }),
    status: 415,
    code: 'UNSUPPORTED_CONTENT_ENCODING',
  },
  {
    name: 'gzip body that decodes to invalid JSON',
    send: (_c, b) => raw(b, 'POST', '/v1/albums', { ...jsonHeaders, 'content-encoding': 'gzip' }, zlib.gzipSync('{"title":')),
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    name: 'text/plain body on POST /albums',
    send: (_c, b) => raw(b, 'POST', '/v1/albums', { ...auth, 'content-type': 'text/plain' }, '{"title":"x"}'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'form-encoded body on POST /match',
    send: (_c, b) => raw(b, 'POST', '/v1/match', { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, 'text=hi'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'text/plain body on PUT /profiles',
    send: (_c, b) => raw(b, 'PUT', '/v1/profiles/u1', { ...auth, 'content-type': 'text/plain' }, 'hello'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'XML on the clean-bot',
    send: (_c, b) => raw(b, 'POST', '/v1/moderation/chat', { ...auth, 'content-type': 'application/xml' }, '<m/>'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'text/plain on POST photos',
    send: (c, b) => raw(b, 'POST', `/v1/albums/${c.albumId}/photos`, { ...auth, 'content-type': 'text/plain' }, 'x'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  { name: 'invalid JSON', send: J('POST', '/v1/albums', '{"title":'), status: 400, code: 'INVALID_JSON' },
  { name: 'a 2 MB JSON body', send: J('POST', '/v1/albums', { title: 'x'.repeat(2 * 1024 * 1024) }), status: 413, code: 'PAYLOAD_TOO_LARGE' },

  // ---- methods (low severity)
  {
    name: 'TRACE on /v1/albums',
    send: G('TRACE', '/v1/albums'),
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    check: (r) => assert.match(String(r.headers.allow), /POST/),
  },
  { name: 'TRACE on /healthz', send: G('TRACE', '/healthz', {}), status: 405, code: 'METHOD_NOT_ALLOWED' },
  {
    name: 'PATCH on an album',
    send: G('PATCH', '/v1/albums/alb_abcdefgh12'),
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    check: (r) => assert.match(String(r.headers.allow), /DELETE/),
  },
  { name: 'PUT on /v1/albums', send: J('PUT', '/v1/albums', {}), status: 405, code: 'METHOD_NOT_ALLOWED' },
  { name: 'DELETE on /v1/match', send: G('DELETE', '/v1/match'), status: 405, code: 'METHOD_NOT_ALLOWED' },

  // ---- validation on every route
  { name: 'unknown field on album create', send: J('POST', '/v1/albums', { title: 'x', owner: 'y' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a 201-character album title', send: J('POST', '/v1/albums', { title: 't'.repeat(201) }), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'a 201-character Idempotency-Key',
    send: J('POST', '/v1/albums', {}, { 'idempotency-key': 'k'.repeat(201) }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'album id that is not an id', send: G('GET', '/v1/albums/not-an-album'), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an album that does not exist', send: G('GET', '/v1/albums/alb_doesnotexist1'), status: 404, code: 'ALBUM_NOT_FOUND' },
  {
    name: 'a forged results cursor',
    send: (c, b) => raw(b, 'GET', `/v1/albums/${c.albumId}/results?cursor=bm9wZQ`, auth),
    status: 400,
    code: 'INVALID_CURSOR',
  },
  { name: 'results limit 0', send: (c, b) => raw(b, 'GET', `/v1/albums/${c.albumId}/results?limit=0`, auth), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'results limit not a number',
    send: (c, b) => raw(b, 'GET', `/v1/albums/${c.albumId}/results?limit=abc`, auth),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'purge=maybe', send: (c, b) => raw(b, 'DELETE', `/v1/albums/${c.albumId}?purge=maybe`, auth), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'photo id that is not an id', send: (c, b) => raw(b, 'GET', `/v1/albums/${c.albumId}/photos/nope`, auth), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'thumbnail of a photo that does not exist',
    send: (c, b) => raw(b, 'GET', `/v1/albums/${c.albumId}/photos/ph_doesnotexist1/thumbnail`, auth),
    status: 404,
    code: 'PHOTO_NOT_FOUND',
  },
  {
    name: 'upload plan with a 256-character name',
    send: (c, b) => J('POST', `/v1/albums/${c.albumId}/uploads`, { files: [{ name: 'n'.repeat(256), contentType: 'image/jpeg', size: 10 }] })(c, b),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'upload plan with no files',
    send: (c, b) => J('POST', `/v1/albums/${c.albumId}/uploads`, { files: [] })(c, b),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'signed-upload hand-over with a bad photo id',
    send: (c, b) => J('POST', `/v1/albums/${c.albumId}/photos`, { uploaded: ['bad'] })(c, b),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'style with no body fields', send: J('POST', '/v1/styles', {}), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'style id that is not an id', send: G('GET', '/v1/styles/sty_BAD!'), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a report that does not exist', send: G('GET', '/v1/reports/rep_abcdefgh1234'), status: 404, code: 'REPORT_NOT_FOUND' },
  {
    name: 'report with one profile',
    send: J('POST', '/v1/reports', { profiles: [{ interests: ['a'], music: [], bio: '' }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'profile id with a space', send: J('PUT', '/v1/profiles/a%20b', { text: 'hi' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'match with k = 0', send: J('POST', '/v1/match', { text: 'hi', k: 0 }), status: 400, code: 'K_OUT_OF_RANGE' },
  { name: 'match with neither userId nor text', send: J('POST', '/v1/match', {}), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'clean-bot with no messages', send: J('POST', '/v1/moderation/chat', { messages: [] }), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'clean-bot with duplicate ids',
    send: J('POST', '/v1/moderation/chat', {
      messages: [
        { id: 'a', text: 'x' },
        { id: 'a', text: 'y' },
      ],
    }),
    status: 400,
    code: 'DUPLICATE_MESSAGE_ID',
  },
  { name: 'reindex job id with a $', send: G('GET', '/v1/profiles/reindex/bad$id'), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'no API key', send: G('GET', '/v1/albums/alb_abcdefgh12', {}), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'a wrong API key', send: G('GET', '/v1/albums/alb_abcdefgh12', { authorization: 'Bearer nope-nope-nope' }), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'an unknown route', send: G('GET', '/v1/nothing-here'), status: 404, code: 'ROUTE_NOT_FOUND' },
];

describe('bad-input corpus', () => {
  const ctx = {} as Ctx;
  const tally = { tried: 0, handled: 0, fiveXx: 0 };
  before(async () => {
    ctx.jpeg = await scene(64, 48);
    const created = await call(running.stack.baseUrl, TENANT_A.key, 'POST', '/v1/albums', { title: 'abuse' });
    ctx.albumId = created.body.albumId;
  });

  for (const c of cases) {
    test(c.name, async () => {
      tally.tried++;
      const res = await c.send(ctx, running.stack.baseUrl);
      if (res.status >= 500) tally.fiveXx++;
      assert.ok(res.status < 500, `${c.name}: ${res.status} ${res.text.slice(0, 300)}`);
      assert.equal(res.status, c.status, `${c.name}: ${res.text.slice(0, 300)}`);
      const codes = Array.isArray(c.code) ? c.code : [c.code];
      if (res.status >= 400) assert.ok(codes.includes(res.body?.error?.code), `${c.name}: code ${res.body?.error?.code}`);
      else {
        assert.ok(res.body.rejected.length > 0, `${c.name}: nothing rejected`);
        for (const r of res.body.rejected) assert.ok(codes.includes(r.code), `${c.name}: rejected with ${r.code}`);
      }
      c.check?.(res);
      tally.handled++;
    });
  }

  test('a client that aborts mid-upload gets no 5xx logged, and the API keeps serving', async () => {
    const m = multipart([{ data: ctx.jpeg }]);
    const { default: http } = await import('node:http');
    const u = new URL(running.stack.baseUrl);
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: `/v1/albums/${ctx.albumId}/photos`,
        headers: { ...auth, 'content-type': m.contentType, 'content-length': String(m.body.length + 10_000) },
      });
      req.on('error', () => resolve());
      req.write(m.body.subarray(0, 100));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 200);
    });
    const health = await raw(running.stack.baseUrl, 'GET', `/v1/albums/${ctx.albumId}`, auth);
    assert.equal(health.status, 200);
    await waitFor(async () => logs.some((l) => l.includes('request aborted by the client')), Boolean, 10_000);
    assert.ok(!logs.some((l) => l.includes('"msg":"request failed"')), 'an abort is not logged as a server failure');
  });

  test('summary', () => {
    console.log(`bad inputs: tried ${tally.tried}, handled ${tally.handled}, 5xx ${tally.fiveXx} (of ${cases.length} cases)`);
    assert.equal(tally.fiveXx, 0);
  });
});
