/**
 * Matching with the real multilingual-e5-small over 100k profiles: int8 against fp32, in speed.
 * (Their quality, on the Korean paraphrase set, is `npm run eval`'s matching table.)
 *
 *   npm run bench -- matching-e5   (--profiles=N / MATCH_BENCH_PROFILES, default 100000;
 *                                   --queries=N / MATCH_BENCH_QUERIES, default 150)
 *
 * Each query is POST /v1/match {text, k: 10} through the real HTTP endpoint: the API embeds the
 * Korean text with the model for real, then searches the embedded HNSW index (every third query
 * with a metadata filter), sequentially (latency) and 4 at a time (throughput).
 *
 * Synthesized profiles: embedding 100k texts with e5 on 2 cores would take about an hour per model,
 * so the indexed vectors are mixes of real e5 sentence vectors. The 80 Korean sentences of the
 * eval set and the queries are embedded by each model, and every profile is the normalised sum
 * of 2–3 of them with random weights plus a little noise: vectors that live where this model puts
 * Korean profile text, which is what HNSW's search cost depends on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { EmbeddedVectorStore } from '../src/matching/embedded-store';
import { profileCollection, profileRecordId } from '../src/matching/profiles';
import type { VectorRecord } from '../src/matching/vector-store';
import { createModelRuntime } from '../src/models';
import { modelRef, getModelSpec } from '../src/models/registry';
import { SentenceEmbedder } from '../src/models/text/sentence-embedder';
import { l2Normalize } from '../src/vectors/math';
import { loadParaphrases } from '../eval/matching.eval';
import { BENCH_TENANT, closedLoop, MATCH_QUERY_TEXTS as QUERY_TEXTS, setting, startBenchApi, table, type LoadResult } from './lib/load';

const PROFILES = setting('profiles', 'MATCH_BENCH_PROFILES', 100_000);
const QUERIES = setting('queries', 'MATCH_BENCH_QUERIES', 150);
const MODELS = ['multilingual-e5-small-int8', 'multilingual-e5-small'];

function* mixedProfiles(n: number, basis: readonly Float32Array[]): Generator<VectorRecord> {
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const dim = basis[0]!.length;
  const regions = ['seoul', 'busan', 'incheon', 'daegu', 'jeju', 'gwangju'];
  for (let i = 0; i < n; i++) {
    const v = new Float32Array(dim);
    const parts = 2 + (i % 2);
    for (let p = 0; p < parts; p++) {
      const b = basis[Math.floor(rand() * basis.length)]!;
      const w = 0.3 + rand();
      for (let d = 0; d < dim; d++) v[d]! += w * b[d]!;
    }
    for (let d = 0; d < dim; d++) v[d]! += 0.02 * (rand() - 0.5);
    const userId = `u${i}`;
    yield {
      id: profileRecordId(BENCH_TENANT, userId),
      vector: l2Normalize(v),
      document: `synthetic profile ${i}`,
      metadata: { tenant: BENCH_TENANT, userId, gender: i % 2 ? 'f' : 'm', age: 20 + (i % 30), region: regions[i % regions.length]! },
    };
  }
}

interface ModelRun {
  model: string;
  sizeMb: number;
  fillSeconds: number;
  seq: LoadResult;
  conc: LoadResult;
}

async function runModel(modelId: string, modelsDir: string): Promise<ModelRun> {
  const spec = getModelSpec(modelId);
  const ref = modelRef(spec);
  const collection = profileCollection(BENCH_TENANT, ref);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-bench-e5-'));
  try {
    // The basis: real sentence vectors from this model (and the time one text takes alone).
    const { store: models, sessions } = createModelRuntime({ dir: modelsDir, intraOpThreads: undefined });
    const installed = await models.resolve(spec);
    const sizeMb = fs.statSync(installed.onnxPath).size / 1e6;
    const embedder = new SentenceEmbedder(sessions, modelId);
    const data = loadParaphrases();
    const sentences = [...data.pairs.flatMap((p) => [p.profile, p.paraphrase]), ...data.distractors, ...QUERY_TEXTS];
    const basis: Float32Array[] = [];
    for (let i = 0; i < sentences.length; i += 16) basis.push(...(await embedder.embed(sentences.slice(i, i + 16))).embeddings);
    await sessions.close();

    console.log(`\n${ref}: inserting ${PROFILES} profiles mixed from ${basis.length} embedded sentences …`);
    const store = new EmbeddedVectorStore({ dir: path.join(dataDir, 'vectors'), snapshotEvery: Number.MAX_SAFE_INTEGER, efConstruction: 100 });
    const t0 = performance.now();
    let chunk: VectorRecord[] = [];
    for (const r of mixedProfiles(PROFILES, basis)) {
      chunk.push(r);
      if (chunk.length === 5000) {
        await store.upsert(collection, chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await store.upsert(collection, chunk);
    const fillSeconds = (performance.now() - t0) / 1000;
    await store.close();

    const api = await startBenchApi({
      LIGHTBOX_DATA_DIR: dataDir,
      LIGHTBOX_MODELS_DIR: modelsDir,
      LIGHTBOX_MODEL_ROLES: `sentence=${modelId}`,
    });
    try {
      const send = async (i: number) => {
        const body = { text: QUERY_TEXTS[i % QUERY_TEXTS.length], k: 10, ...(i % 3 === 2 ? { filters: { gender: 'f', age: { $gte: 25, $lte: 35 } } } : {}) };
        const r = await api.post('/v1/match', body);
        return r.status === 200 && r.body.results.length === 10 && r.body.embedding === ref;
      };
      for (let i = 0; i < 5; i++) {
        if (!(await send(i))) throw new Error(`warm-up query failed for ${ref}`);
      }
      const seconds = Math.max(4, QUERIES / 40);
      const seq = await closedLoop(1, seconds, send);
      const conc = await closedLoop(4, seconds, send);
      console.log(
        `  filled in ${fillSeconds.toFixed(0)} s; 1 at a time ${seq.rps.toFixed(1)} q/s p50 ${seq.p50.toFixed(0)} / p95 ${seq.p95.toFixed(0)} ms; 4 at a time ${conc.rps.toFixed(1)} q/s p95 ${conc.p95.toFixed(0)} ms`,
      );
      return { model: ref, sizeMb, fillSeconds, seq, conc };
    } finally {
      await api.stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const modelsDir = loadConfig().models.dir;
  console.log(
    `matching benchmark, real multilingual-e5-small: ${PROFILES} profiles (embedded HNSW), ${os.availableParallelism()} cores (load average ${os.loadavg()[0]!.toFixed(1)}), models from ${modelsDir}`,
  );
  const runs: ModelRun[] = [];
  for (const id of MODELS) runs.push(await runModel(id, modelsDir));
  // Other work on the machine skews the 4-at-a-time figures most: say how busy it was.
  console.log(`load average at the end: ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`);
  console.log('');
  table(
    ['measure', ...runs.map((r) => r.model), 'target'],
    [
      ['model.onnx size', ...runs.map((r) => `${r.sizeMb.toFixed(0)} MB`), ''],
      ['query q/s (4 at a time)', ...runs.map((r) => r.conc.rps.toFixed(1)), '> 30'],
      ['query p50 / p95 (1 at a time)', ...runs.map((r) => `${r.seq.p50.toFixed(0)} / ${r.seq.p95.toFixed(0)} ms`), 'p95 < 200 ms'],
      ['query p50 / p95 (4 at a time)', ...runs.map((r) => `${r.conc.p50.toFixed(0)} / ${r.conc.p95.toFixed(0)} ms`), ''],
      ['insert of the profiles', ...runs.map((r) => `${r.fillSeconds.toFixed(0)} s`), ''],
    ],
  );
  console.log('\nThe indexed profiles are synthesized: normalised mixes of real e5 vectors of 80 Korean sentences (see the header);');
  console.log('every query text is embedded by the model for real through POST /v1/match.');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
