import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import express from 'express';
import { IdempotencyStore, idempotentPosts } from '../../src/api/idempotency-store';
import { LocalBlobStore } from '../../src/storage/local-store';

// A store whose idempotency-record writes take a while (a slow bucket): the answer to a request
// must still never reach the client before its record is saved.
class SlowRecordStore extends LocalBlobStore {
  override async put(...args: Parameters<LocalBlobStore['put']>) {
    if (args[0].includes('/idempotency/')) await new Promise((r) => setTimeout(r, 300));
    return super.put(...args);
  }
}

let server: http.Server;
let base: string;
let runs = 0;

before(async () => {
  const store = new SlowRecordStore({ rootDir: fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-idem-')), signingSecret: 'test-secret' });
  const app = express();
  app.use(express.json());
  app.use((req, _res, next) => {
    req.tenantId = 'acme';
    next();
  });
  app.use(idempotentPosts(new IdempotencyStore(store)));
  app.post('/v1/things', (_req, res) => {
    runs++;
    res.status(201).location(`/v1/things/${runs}`).json({ run: runs });
  });
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => server.close(() => r())));

const post = (key: string, body: unknown) =>
  fetch(`${base}/v1/things`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });

test('a retry sent the moment the first answer arrives is a replay of it, not a second run', async () => {
  const first = await post('retry-at-once', { name: 'one' });
  assert.equal(first.status, 201);
  assert.deepEqual(await first.json(), { run: 1 });
  const again = await post('retry-at-once', { name: 'one' });
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.headers.get('location'), '/v1/things/1');
  assert.deepEqual(await again.json(), { run: 1 });
  assert.equal(runs, 1);
});
