import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidBlobKeyError } from '../../src/storage/blob-store';
import {
  albumHandoverPrefix,
  albumPhotoKey,
  albumPrefix,
  albumSearchKey,
  albumThumbnailKey,
  albumUploadKey,
  assertTenantKey,
  handoverKey,
  isValidKey,
  MAX_KEY_BYTES,
  parseAlbumPhotoKey,
  tenantIdOfKey,
  tenantKey,
  tenantPrefix,
  validateKey,
  validatePrefix,
} from '../../src/storage/keys';

function assertInvalid(fn: () => unknown, reason?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidBlobKeyError, `expected InvalidBlobKeyError, got ${String(err)}`);
    if (reason) assert.match(err.message, reason);
    return true;
  });
}

describe('validateKey', () => {
  it('accepts ordinary keys and returns them unchanged', () => {
    for (const key of [
      'tenants/acme/albums/a1/photos/p1',
      'tenants/acme/albums/a1/results/p1.json',
      'tenants/acme/x=1/.hidden',
      'tenants/acme/a..b/c...d',
      'A-Z_0-9.=',
    ]) {
      assert.equal(validateKey(key), key);
      assert.equal(isValidKey(key), true);
    }
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['empty', '', /empty/],
    ['traversal', 'tenants/a/../b/x', /"\.\." segment/],
    ['leading traversal', '../tenants/a/x', /"\.\." segment/],
    ['dot segment', 'tenants/a/./x', /"\." segment/],
    ['dots-only segment', 'tenants/a/.../x', /only of dots/],
    ['absolute', '/tenants/a/x', /absolute/],
    ['backslash', 'tenants\\a\\x', /backslash/],
    ['backslash traversal', 'tenants/a/..\\..\\x', /backslash/],
    ['empty segment', 'tenants//a/x', /empty path segment/],
    ['trailing slash', 'tenants/a/x/', /empty path segment/],
    ['NUL', 'tenants/a/x\u0000.jpg', /NUL/],
    ['newline', 'tenants/a/x\n.jpg', /control/],
    ['DEL', 'tenants/a/x\u007f', /control/],
    ['space', 'tenants/a/my photo.jpg', /characters outside/],
    ['percent', 'tenants/a/%2e%2e/x', /characters outside/],
    ['unicode', 'tenants/a/fotó.jpg', /characters outside/],
    ['colon', 'tenants/a/c:x', /characters outside/],
    ['tilde', 'tenants/a/x~', /characters outside/],
  ];
  for (const [name, key, reason] of invalid) {
    it(`rejects ${name}`, () => {
      assertInvalid(() => validateKey(key), reason);
      assert.equal(isValidKey(key), false);
    });
  }

  it('caps keys at 1024 bytes', () => {
    const exact = `tenants/a/${'x'.repeat(MAX_KEY_BYTES - 'tenants/a/'.length)}`;
    assert.equal(Buffer.byteLength(exact), 1024);
    assert.equal(validateKey(exact), exact);
    assertInvalid(() => validateKey(`${exact}y`), /longer than 1024 bytes/);
  });

  it('reports the key in the error', () => {
    try {
      validateKey('tenants/a/../b');
      assert.fail('should have thrown');
    } catch (err) {
      assert.ok(err instanceof InvalidBlobKeyError);
      assert.equal(err.key, 'tenants/a/../b');
    }
  });

  it('rejects non-strings from untyped callers', () => {
    assertInvalid(() => validateKey(undefined as unknown as string), /not a string/);
    assertInvalid(() => validateKey(42 as unknown as string), /not a string/);
  });
});

describe('validatePrefix', () => {
  it('accepts the empty prefix, folder prefixes and partial segments', () => {
    for (const prefix of ['', 'tenants/', 'tenants/a/', 'tenants/a/alb']) assert.equal(validatePrefix(prefix), prefix);
  });
  it('rejects what validateKey rejects', () => {
    for (const prefix of ['/', '/tenants/', 'tenants/a/../', 'tenants//', 'tenants\\a', 'tenants/a/ /']) {
      assertInvalid(() => validatePrefix(prefix));
    }
  });
});

describe('tenantKey', () => {
  it('builds keys under tenants/<id>/', () => {
    assert.equal(tenantKey('acme', 'albums', 'a1', 'photos', 'p1'), 'tenants/acme/albums/a1/photos/p1');
    assert.equal(tenantKey('t-1_x', 'manifest.json'), 'tenants/t-1_x/manifest.json');
    assert.equal(tenantPrefix('acme'), 'tenants/acme/');
  });

  it('validates the tenant id', () => {
    assert.equal(tenantKey('a'.repeat(63), 'x'), `tenants/${'a'.repeat(63)}/x`);
    for (const bad of ['', 'Acme', '-acme', '_acme', 'a'.repeat(64), 'ac me', 'acme/other', '..', 'ac.me']) {
      assertInvalid(() => tenantKey(bad, 'x'), /tenant id/);
      assertInvalid(() => tenantPrefix(bad), /tenant id/);
    }
  });

  it('treats every argument as exactly one segment', () => {
    assertInvalid(() => tenantKey('acme', 'albums/a1'), /contains "\/"/);
    assertInvalid(() => tenantKey('acme', '..', 'other', 'x'), /"\.\." segment/);
    assertInvalid(() => tenantKey('acme', ''), /empty path segment/);
    assertInvalid(() => tenantKey('acme'), /at least one segment/);
  });
});

describe('assertTenantKey', () => {
  it('accepts keys of the tenant', () => {
    assert.doesNotThrow(() => assertTenantKey('a', 'tenants/a/albums/1/photos/2'));
  });

  it('rejects another tenant, including one whose id starts the same', () => {
    assertInvalid(() => assertTenantKey('a', 'tenants/b/albums/1'), /not under tenant a/);
    assertInvalid(() => assertTenantKey('a', 'tenants/ab/albums/1'), /not under tenant a/);
    assertInvalid(() => assertTenantKey('a', 'tenants/a'), /not under tenant a/);
    assertInvalid(() => assertTenantKey('a', 'other/a/x'), /not under tenant a/);
  });

  it('rejects traversal out of the tenant before comparing prefixes', () => {
    assertInvalid(() => assertTenantKey('a', 'tenants/a/../b/x'), /"\.\." segment/);
    assertInvalid(() => assertTenantKey('a', '/tenants/a/x'), /absolute/);
    assertInvalid(() => assertTenantKey('a', 'tenants/a/..\\b'), /backslash/);
  });

  it('rejects an invalid tenant id even for a matching key', () => {
    assertInvalid(() => assertTenantKey('A', 'tenants/A/x'), /tenant id/);
  });
});

describe('tenantIdOfKey', () => {
  it('extracts the tenant of tenant keys only', () => {
    assert.equal(tenantIdOfKey('tenants/acme/x'), 'acme');
    assert.equal(tenantIdOfKey('tenants/acme'), null);
    assert.equal(tenantIdOfKey('tenants/ACME/x'), null);
    assert.equal(tenantIdOfKey('_lightbox/readyz/1'), null);
    assertInvalid(() => tenantIdOfKey('tenants/../x'));
  });
});

describe('album layout', () => {
  it('keeps everything a purge must delete under the album prefix, handover markers under their own', () => {
    const prefix = albumPrefix('acme', 'al_1');
    for (const key of [
      albumPhotoKey('acme', 'al_1', 'ph_1'),
      albumUploadKey('acme', 'al_1', 'ph_1'),
      albumThumbnailKey('acme', 'al_1', 'ph_1'),
      albumSearchKey('acme', 'al_1', 'a1'),
    ]) {
      assert.ok(key.startsWith(prefix), key);
    }
    assert.ok(handoverKey('acme', 'al_1', 'ho_1').startsWith(albumHandoverPrefix('acme', 'al_1')));
    assert.ok(!albumHandoverPrefix('acme', 'al_1').startsWith(tenantPrefix('acme')));
  });

  it('reads the photo back out of a photo key, and nothing else', () => {
    assert.deepEqual(parseAlbumPhotoKey(albumPhotoKey('acme', 'al_1', 'ph_1')), { tenantId: 'acme', albumId: 'al_1', photoId: 'ph_1' });
    assert.equal(parseAlbumPhotoKey(albumUploadKey('acme', 'al_1', 'ph_1')), null);
    assert.equal(parseAlbumPhotoKey('tenants/acme/albums/al_1/photos/ph_1/x'), null);
  });

  it('refuses a handover marker whose ids would climb out of its folder', () => {
    assertInvalid(() => handoverKey('acme', '..', 'ho_1'));
  });
});
