/**
 * The matching benchmark, run by bench/matching.bench.ts (embedded HNSW index) and
 * bench/matching-chroma.bench.ts (a real `chroma run` server), one store per file so each stays
 * within a few minutes: POST /v1/match {text, k: 10} through the real HTTP endpoint, where the
 * API embeds the query text with the shape-faithful ko-sbert-nli (full BERT-base, random weights)
 * and searches a collection of N profiles (both stores with M 16 and efConstruction 100, Chroma's
 * defaults). Every third query carries a metadata filter.
 *
 * The profiles are synthetic 768-d unit vectors (clustered, with gender/age/region fields):
 * embedding 100k texts with BERT-base on 2 cores would take hours, and only the vectors matter
 * to search latency. Each query text is embedded by the model for real.
 *
 *   npm run bench -- matching      (both files; --profiles=N / MATCH_BENCH_PROFILES, default 100000;
 *                                   --queries=N / MATCH_BENCH_QUERIES, default 150)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChromaVectorStore } from '../../src/matching/chroma-store';
import { EmbeddedVectorStore } from '../../src/matching/embedded-store';
import { profileCollection, profileRecordId } from '../../src/matching/profiles';
import type { VectorRecord, VectorStore, Where } from '../../src/matching/vector-store';
import { l2Normalize } from '../../src/vectors/math';
import { startChroma } from '../../test/helpers/chroma';
import {
  BENCH_TENANT,
  closedLoop,
  ensureBenchModel,
  MATCH_QUERY_TEXTS as QUERY_TEXTS,
  percentile,
  setting,
  startBenchApi,
  table,
  type LoadResult,
} from './load';

const MODEL = 'ko-sbert-nli-bench';
const PROFILES = setting('profiles', 'MATCH_BENCH_PROFILES', 100_000);
const QUERIES = setting('queries', 'MATCH_BENCH_QUERIES', 150);
const DIM = 768;
const COLLECTION = profileCollection(BENCH_TENANT, `${MODEL}@bench-1`);

/** Deterministic clustered unit vectors: profiles are not uniformly spread in a real model's space either. */
function* syntheticProfiles(n: number): Generator<VectorRecord> {
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centroids = Array.from({ length: 64 }, () => Float32Array.from({ length: DIM }, gauss));
  const regions = ['seoul', 'busan', 'incheon', 'daegu', 'jeju', 'gwangju'];
  for (let i = 0; i < n; i++) {
    const c = centroids[i % centroids.length]!;
    const v = l2Normalize(Float32Array.from({ length: DIM }, (_, d) => c[d]! + 1.5 * gauss()));
    const userId = `u${i}`;
    yield {
      id: profileRecordId(BENCH_TENANT, userId),
      vector: v,
      document: `synthetic profile ${i}`,
      metadata: { tenant: BENCH_TENANT, userId, gender: i % 2 ? 'f' : 'm', age: 20 + (i % 30), region: regions[i % regions.length]! },
    };
  }
}

async function fill(store: VectorStore, batch: number): Promise<number> {
  const t0 = performance.now();
  let chunk: VectorRecord[] = [];
  let done = 0;
  for (const r of syntheticProfiles(PROFILES)) {
    chunk.push(r);
    if (chunk.length === batch) {
      await store.upsert(COLLECTION, chunk);
      done += chunk.length;
      chunk = [];
      if (done % 20_000 === 0) console.log(`    ${done} / ${PROFILES} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
  await store.upsert(COLLECTION, chunk);
  return (performance.now() - t0) / 1000;
}

interface StoreRun {
  store: string;
  fillSeconds: number;
  settleSeconds: number;
  seq: LoadResult;
  conc: LoadResult;
  searchP95: number;
  filteredP95: number;
}

async function runAgainst(kind: 'chroma' | 'embedded', env: Record<string, string>, store: VectorStore, modelsDir: string): Promise<StoreRun> {
  console.log(`\n${kind}: inserting ${PROFILES} synthetic profiles …`);
  const fillSeconds = await fill(store, kind === 'chroma' ? 2000 : 5000);
  // The embedded writer snapshots, so the API process starts from the index file instead of replaying the log.
  if (kind === 'embedded') await store.close();
  // Chroma applies a bulk load to its HNSW segment in the background; until then queries scan the
  // unindexed log. Wait (at most a minute) until plain searches are fast, and say how long it took.
  const settle = performance.now();
  const probe = [...syntheticProfiles(1)][0]!.vector;
  for (let fast = 0; fast < 5 && performance.now() - settle < 60_000;) {
    const t0 = performance.now();
    await store.query(COLLECTION, probe, { k: 10 });
    fast = performance.now() - t0 < 30 ? fast + 1 : 0;
  }
  const settleSeconds = (performance.now() - settle) / 1000;
  console.log(`  searches fast after ${settleSeconds.toFixed(1)} s`);
  console.log(`  filled in ${fillSeconds.toFixed(0)} s; ${await store.count(COLLECTION)} vectors`);
  const api = await startBenchApi({ ...env, LIGHTBOX_MODELS_DIR: modelsDir, LIGHTBOX_MODEL_ROLES: `sentence=${MODEL}` });
  try {
    const send = async (i: number) => {
      const body = { text: QUERY_TEXTS[i % QUERY_TEXTS.length], k: 10, ...(i % 3 === 2 ? { filters: { gender: 'f', age: { $gte: 25, $lte: 35 } } } : {}) };
      const r = await api.post('/v1/match', body);
      return r.status === 200 && r.body.results.length === 10 && r.body.method === 'onnx';
    };
    for (let i = 0; i < 5; i++) {
      const r = await api.post('/v1/match', { text: QUERY_TEXTS[i], k: 10 });
      if (r.status !== 200 || r.body.results.length !== 10) throw new Error(`warm-up query failed against ${kind}: ${JSON.stringify(r.body).slice(0, 300)}`);
    }
    // Sequential queries: latency without queueing; then 4 at a time: throughput.
    const seconds = Math.max(4, QUERIES / 40);
    const seq = await closedLoop(1, seconds, send);
    const conc = await closedLoop(4, seconds, send);
    // Search alone (no embedding): the vector store's share of a query, without and with a filter.
    const q = [...syntheticProfiles(1)][0]!.vector;
    const timed = async (where?: Where) => {
      const times: number[] = [];
      for (let i = 0; i < 60; i++) {
        const t0 = performance.now();
        await store.query(COLLECTION, q, { k: 10, ...(where ? { where } : {}) });
        times.push(performance.now() - t0);
      }
      return percentile(
        times.sort((a, b) => a - b),
        95,
      );
    };
    const searchP95 = await timed();
    const filteredP95 = await timed({ gender: 'f', age: { $gte: 25, $lte: 35 } });
    console.log(
      `  1 at a time: ${seq.rps.toFixed(1)} q/s, p50 ${seq.p50.toFixed(0)} / p95 ${seq.p95.toFixed(0)} ms; 4 at a time: ${conc.rps.toFixed(1)} q/s, p95 ${conc.p95.toFixed(0)} ms; search alone p95 ${searchP95.toFixed(1)} ms, filtered ${filteredP95.toFixed(1)} ms`,
    );
    return { store: kind, fillSeconds, settleSeconds, seq, conc, searchP95, filteredP95 };
  } finally {
    await api.stop();
  }
}

export async function runMatchingBench(kind: 'embedded' | 'chroma'): Promise<void> {
  const modelsDir = ensureBenchModel(MODEL, 'sbert');
  console.log(`matching benchmark (${kind}): ${MODEL} (shape-faithful BERT-base, random weights), ${PROFILES} profiles, ${os.availableParallelism()} cores`);
  let run: StoreRun;
  if (kind === 'embedded') {
    const embeddedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-bench-vectors-'));
    try {
      // The API process opens the same folder (LIGHTBOX_DATA_DIR/vectors) and reads what this wrote.
      const embedded = new EmbeddedVectorStore({ dir: path.join(embeddedDir, 'vectors'), snapshotEvery: Number.MAX_SAFE_INTEGER, efConstruction: 100 });
      run = await runAgainst('embedded', { LIGHTBOX_DATA_DIR: embeddedDir }, embedded, modelsDir);
    } finally {
      fs.rmSync(embeddedDir, { recursive: true, force: true });
    }
  } else {
    const chroma = await startChroma();
    try {
      run = await runAgainst('chroma', { CHROMA_URL: chroma.url }, new ChromaVectorStore(chroma.url), modelsDir);
    } finally {
      await chroma.stop();
    }
  }
  const r = run;
  console.log('');
  table(
    ['measure', 'hertz seed (4 vCPU, Chroma)', `Lightbox ${r.store} (${os.availableParallelism()} cores)`, 'target'],
    [
      ['profiles in the index', 'not stated', String(PROFILES), '100k'],
      ['query RPS (4 at a time)', '30', r.conc.rps.toFixed(1), '> 30'],
      ['query p50 / p95 (1 at a time)', '200–350 ms', `${r.seq.p50.toFixed(0)} / ${r.seq.p95.toFixed(0)} ms`, 'p95 < 200 ms'],
      ['query p95 (4 at a time)', '—', `${r.conc.p95.toFixed(0)} ms`, ''],
      ['vector search alone p95: no filter / filter', '—', `${r.searchP95.toFixed(1)} / ${r.filteredP95.toFixed(1)} ms`, ''],
      ['bulk insert of the profiles', '—', `${r.fillSeconds.toFixed(0)} s (+${r.settleSeconds.toFixed(0)} s until indexed)`, ''],
    ],
  );
  console.log('\nSimulated: the indexed profiles are synthetic clustered vectors (embedding 100k texts with BERT-base on 2 cores');
  console.log('is not feasible in a benchmark); each query text is embedded by the full-size BERT-base graph (random weights).');
}
