/**
 * The deployment's people store against the real fake-gcs-server emulator: one object per
 * tenant, written under a generation precondition, so concurrent writers (two API replicas and a
 * worker) retry on 412 instead of overwriting each other.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Storage } from '@google-cloud/storage';
import { GcsPeopleStore } from '../../src/people/people-store';
import { PeopleError } from '../../src/people/tenant-people';
import { startGcsEmulator, type GcsEmulator } from '../helpers/gcs-emulator';

let emulator: GcsEmulator;
let storage: Storage;

before(async () => {
  emulator = await startGcsEmulator();
  storage = new Storage({ apiEndpoint: emulator.endpoint, projectId: 'lightbox-test' });
  await storage.createBucket('people-test');
});
after(async () => {
  await emulator?.stop();
});

test('concurrent writers through generation preconditions lose no change; a new store instance reads them back', async () => {
  const a = new GcsPeopleStore(storage.bucket('people-test'));
  const b = new GcsPeopleStore(new Storage({ apiEndpoint: emulator.endpoint, projectId: 'lightbox-test' }).bucket('people-test'));
  await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      (i % 2 ? a : b).update('acme', (doc) => {
        doc.nextId++;
      }),
    ),
  );
  const fresh = new GcsPeopleStore(storage.bucket('people-test'));
  assert.equal((await fresh.read('acme')).nextId, 9);
  assert.equal((await fresh.read('globex')).nextId, 1);
  await assert.rejects(
    fresh.update('acme', (doc) => {
      doc.nextId = 100;
      throw new PeopleError('PERSON_NOT_FOUND', 'no');
    }),
    PeopleError,
  );
  assert.equal((await fresh.read('acme')).nextId, 9, 'a change that throws saves nothing');
});
