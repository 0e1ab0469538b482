import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config';
import { parseApiKeys, resolveApiKeys, resolveSigningSecret } from '../../src/config/secrets';

test('zero configuration gives the embedded stack on the documented ports', () => {
  const c = loadConfig({});
  assert.equal(c.api.port, 3000);
  assert.equal(c.temporal.embedded, true);
  assert.equal(c.temporal.address, '127.0.0.1:7233');
  assert.equal(c.temporal.uiUrl, 'http://localhost:8233');
  assert.equal(c.temporal.namespace, 'lightbox');
  assert.equal(c.storage.kind, 'local');
  assert.equal(c.workers.gpuCount, 1);
  assert.equal(c.dataDir, path.resolve('.lightbox'));
  assert.ok(c.temporal.dbFile.startsWith(c.dataDir));
});

test('TEMPORAL_ADDRESS switches off the embedded server', () => {
  const c = loadConfig({ TEMPORAL_ADDRESS: 'temporal.prod:7233', TEMPORAL_NAMESPACE: 'prod' });
  assert.equal(c.temporal.embedded, false);
  assert.equal(c.temporal.address, 'temporal.prod:7233');
});

test('invalid values are reported by variable name', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty' }),
    (e: Error) => e instanceof ConfigError && /PORT/.test(e.message),
  );
  assert.throws(() => loadConfig({ GPU_COUNT: '0' }), /GPU_COUNT/);
});

test('naming a bucket or a Chroma server is what switches storage and vectors off the local defaults', () => {
  const local = loadConfig({});
  assert.deepEqual([local.storage.kind, local.matching.store], ['local', 'embedded']);
  const shared = loadConfig({ GCS_BUCKET: 'photos', CHROMA_URL: 'http://chroma:8000' });
  assert.deepEqual(
    [shared.storage.kind, shared.storage.gcs.bucket, shared.matching.store, shared.matching.chromaUrl],
    ['gcs', 'photos', 'chroma', 'http://chroma:8000'],
  );
});

test('every configuration variable is documented in the docs/configuration.md table', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
  const missing = CONFIG_VARIABLES.filter((v) => v !== 'PATH' && !readme.includes(`| \`${v}\``));
  assert.deepEqual(missing, []);
});

test('API keys bind each key to one tenant and reject malformed entries', () => {
  const keys = parseApiKeys('key-aaaaaaaaaaaaaaaa:acme, key-bbbbbbbbbbbbbbbb:globex');
  assert.equal(keys.get('key-aaaaaaaaaaaaaaaa'), 'acme');
  assert.equal(keys.get('key-bbbbbbbbbbbbbbbb'), 'globex');
  assert.throws(() => parseApiKeys('short:acme'), /at least 16/);
  assert.throws(() => parseApiKeys('key-aaaaaaaaaaaaaaaa:Not A Tenant'), /tenant/);
});

test('without LIGHTBOX_API_KEYS a dev key is made once, kept under the data dir, and reused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-cfg-'));
  try {
    const config = loadConfig({ LIGHTBOX_DATA_DIR: dir });
    const first = resolveApiKeys(config);
    assert.equal(first.devKey?.created, true);
    assert.equal(first.devKey?.tenant, 'demo');
    const file = path.join(dir, 'secrets', 'dev-api-key');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const second = resolveApiKeys(config);
    assert.equal(second.devKey?.created, false);
    assert.equal(second.devKey?.key, first.devKey?.key);
    assert.equal(resolveSigningSecret(config), resolveSigningSecret(config));
    assert.throws(() => resolveApiKeys(loadConfig({ LIGHTBOX_DATA_DIR: dir, NODE_ENV: 'production' })), /LIGHTBOX_API_KEYS must be set/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
