/**
 * The VectorStore contract, run against both implementations: a real ChromaDB server started by
 * the test (`chroma run`), and the embedded HNSW index (two instances over one folder standing in
 * for the API and a worker process).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ChromaVectorStore } from '../../src/matching/chroma-store';
import { EmbeddedVectorStore } from '../../src/matching/embedded-store';
import type { VectorRecord, VectorStore } from '../../src/matching/vector-store';
import { HashingEmbedder } from '../../src/models/text/hashing-embedder';
import { startChroma, type ChromaServer } from '../helpers/chroma';

const h = new HashingEmbedder(256);
const PROFILES: [string, string, { gender: string; age: number; region: string }][] = [
  ['u1', '주말마다 등산하고 캠핑 가는 걸 좋아해요', { gender: 'f', age: 29, region: 'seoul' }],
  ['u2', '등산이랑 캠핑이 취미예요, 산에서 커피 한 잔', { gender: 'm', age: 31, region: 'busan' }],
  ['u3', '재즈 공연 보러 다니고 와인 마시는 걸 좋아해요', { gender: 'f', age: 35, region: 'seoul' }],
  ['u4', '고양이 두 마리 키우는 집사입니다', { gender: 'm', age: 27, region: 'seoul' }],
  ['u5', '등산 캠핑 러닝 다 좋아하는 아웃도어파', { gender: 'f', age: 41, region: 'jeju' }],
];
const records = (): VectorRecord[] =>
  PROFILES.map(([id, text, m]) => ({ id, vector: h.embedOne(text), document: text, metadata: { ...m, tenant: 't1', userId: id } }));

function contract(name: string, make: () => { store: VectorStore; reader?: VectorStore }) {
  describe(name, () => {
    const collection = `profiles__test-${name.replace(/\W+/g, '-')}`;
    let store: VectorStore;
    let reader: VectorStore;
    before(async () => {
      const made = make();
      store = made.store;
      reader = made.reader ?? made.store;
      await store.upsert(collection, records());
    });

    test('upsert → query finds the nearest profile first, with cosine scores', async () => {
      const hits = await reader.query(collection, h.embedOne('등산 캠핑 좋아하는 분'), { k: 3 });
      assert.equal(hits.length, 3);
      assert.ok(['u1', 'u2', 'u5'].includes(hits[0]!.id));
      assert.ok(
        hits.every((x) => ['u1', 'u2', 'u5'].includes(x.id)),
        JSON.stringify(hits),
      );
      assert.ok(hits[0]!.score <= 1 && hits[0]!.score > hits[2]!.score - 1e-9);
      assert.equal(await reader.count(collection), 5);
    });

    test('filters are honoured and excluded ids never come back', async () => {
      const q = h.embedOne('등산 캠핑');
      const f = await reader.query(collection, q, { k: 5, where: { gender: 'f', age: { $lte: 40 } } });
      assert.deepEqual(f.map((x) => x.id).sort(), ['u1', 'u3']);
      const inSeoulOrJeju = await reader.query(collection, q, { k: 5, where: { region: { $in: ['jeju', 'busan'] } }, excludeIds: ['u2'] });
      assert.deepEqual(
        inSeoulOrJeju.map((x) => x.id),
        ['u5'],
      );
    });

    test('get returns text, fields and the vector; an update replaces them', async () => {
      await store.upsert(collection, [
        {
          id: 'u4',
          vector: h.embedOne('등산 캠핑 러닝'),
          document: '등산 캠핑 러닝',
          metadata: { gender: 'm', age: 28, region: 'seoul', tenant: 't1', userId: 'u4' },
        },
      ]);
      const [u4, none] = await reader.get(collection, ['u4', 'nobody']);
      assert.equal(none, undefined);
      assert.equal(u4!.document, '등산 캠핑 러닝');
      assert.equal(u4!.metadata.age, 28);
      assert.ok(Math.abs(u4!.vector.reduce((s, x, i) => s + x * h.embedOne('등산 캠핑 러닝')[i]!, 0) - 1) < 1e-4);
      assert.equal(await reader.count(collection), 5);
    });

    test('delete removes a profile from results and from get', async () => {
      await store.delete(collection, ['u5']);
      const hits = await reader.query(collection, h.embedOne('등산 캠핑 러닝 아웃도어'), { k: 5 });
      assert.ok(!hits.some((x) => x.id === 'u5'));
      assert.deepEqual(await reader.get(collection, ['u5']), [undefined]);
      assert.equal(await reader.count(collection), 4);
    });

    test('list pages through the records matching a filter in a stable order', async () => {
      const all = [...(await reader.list(collection, 0, 2, { tenant: 't1' })), ...(await reader.list(collection, 2, 10, { tenant: 't1' }))];
      assert.deepEqual(all.map((r) => r.id).sort(), ['u1', 'u2', 'u3', 'u4']);
      assert.deepEqual(await reader.list(collection, 0, 10, { tenant: 'other' }), []);
    });
  });
}

let chroma: ChromaServer;
before(async () => {
  chroma = await startChroma();
});
after(async () => {
  await chroma?.stop();
});

contract('chroma', () => ({ store: new ChromaVectorStore(chroma.url) }));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-vectors-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
contract('embedded (writer and reader are separate instances)', () => ({
  store: new EmbeddedVectorStore({ dir, snapshotEvery: 3 }),
  reader: new EmbeddedVectorStore({ dir }),
}));

describe('embedded store persistence', () => {
  test('a new instance starts from the snapshot plus the log, and sees what the writer did', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-vectors-'));
    try {
      const a = new EmbeddedVectorStore({ dir: d, snapshotEvery: 2 });
      await a.upsert('c', records());
      await a.delete('c', ['u3']);
      await a.close();
      const b = new EmbeddedVectorStore({ dir: d });
      assert.equal(await b.count('c'), 4);
      assert.deepEqual(
        (await b.get('c', ['u3', 'u1'])).map((r) => r?.id),
        [undefined, 'u1'],
      );
      const hits = await b.query('c', h.embedOne('고양이 집사'), { k: 1 });
      assert.equal(hits[0]!.id, 'u4');
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
