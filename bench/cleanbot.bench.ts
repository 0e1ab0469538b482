/**
 * Clean-bot throughput and latency: POST /v1/moderation/chat (one message per request, as chat
 * servers send them) at rising concurrency through the real HTTP endpoint and micro-batcher,
 * against the raw batch throughput of the same model in the same process. By default the model
 * is the one the clean-bot runs: the e5 head (multilingual-e5-small-int8 + the trained head, from
 * the models dir; `npm run models:build`), with the lexicon beside it; CLEANBOT_BENCH_MODEL=kcelectra
 * runs the shape-faithful KcELECTRA-small (full size, random weights) instead.
 *
 *   npm run bench -- cleanbot         (--seconds=N / CLEANBOT_BENCH_SECONDS per level,
 *                                      --max-concurrency=N / CLEANBOT_BENCH_MAX_CONCURRENCY,
 *                                      --min-concurrency=N / CLEANBOT_BENCH_MIN_CONCURRENCY)
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { getModelSpec, type WordPiecePreprocessing } from '../src/models/registry';
import { SessionPool } from '../src/models/sessions';
import { ModelStore } from '../src/models/store';
import { normalizeChatText } from '../src/models/text/korean-normalize';
import { WordPieceTokenizer } from '../src/models/text/wordpiece-tokenizer';
import { inferenceBatchSize } from '../src/telemetry/metrics';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { HEAD_METHOD } from '../src/moderation/chat-moderator';
import { CLEANBOT_HEAD_ID } from '../src/models/catalogue/cleanbot-head';
import { EmbeddingHeadClassifier } from '../src/models/text/embedding-head-classifier';
import { CHAT_LINES, closedLoop, ensureBenchModel, setting, startBenchApi, table } from './lib/load';

const ELECTRA = process.env.CLEANBOT_BENCH_MODEL === 'kcelectra';
const MODEL = ELECTRA ? 'kcelectra-small-toxicity-bench' : CLEANBOT_HEAD_ID;
const SECONDS = setting('seconds', 'CLEANBOT_BENCH_SECONDS', 6);
const MAX_CONCURRENCY = setting('max-concurrency', 'CLEANBOT_BENCH_MAX_CONCURRENCY', 64);
const MIN_CONCURRENCY = setting('min-concurrency', 'CLEANBOT_BENCH_MIN_CONCURRENCY', 1);
const MAX_BATCH = 32;

/**
 * Pure session.run throughput of the same model on the same messages, pre-tokenised, in full
 * batches: the ceiling the HTTP path is compared with. Measured right after each HTTP level, so
 * both see the same machine load (the cores are shared with other work).
 */
/** The e5 head's batch throughput in process: tokenise, e5 run, pooling, head run, as the API thread does. */
async function rawHead(modelsDir: string) {
  const sessions = new SessionPool(new ModelStore({ dir: modelsDir }));
  const head = new EmbeddingHeadClassifier(sessions, CLEANBOT_HEAD_ID);
  const texts = Array.from({ length: MAX_BATCH }, (_, i) => normalizeChatText(CHAT_LINES[i % CHAT_LINES.length]!));
  for (let i = 0; i < 3; i++) await head.classify(texts);
  return {
    sequence: 0,
    async measure(seconds: number): Promise<number> {
      let runs = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        await head.classify(texts);
        runs++;
      }
      return (runs * MAX_BATCH * 1000) / (performance.now() - t0);
    },
    close: () => sessions.close(),
  };
}

async function rawOrt(modelsDir: string) {
  const sessions = new SessionPool(new ModelStore({ dir: modelsDir }));
  const session = await sessions.get(MODEL);
  const spec = getModelSpec(MODEL);
  const tok = await WordPieceTokenizer.fromFile(path.join(session.installed.folder, 'tokenizer.json'), spec.preprocessing as WordPiecePreprocessing);
  const texts = Array.from({ length: MAX_BATCH }, (_, i) => normalizeChatText(CHAT_LINES[i % CHAT_LINES.length]!));
  const b = tok.encodeBatch(texts);
  const dims = [b.rows, b.sequence];
  const feeds = {
    input_ids: new ort.Tensor('int64', b.inputIds, dims),
    attention_mask: new ort.Tensor('int64', b.attentionMask, dims),
    token_type_ids: new ort.Tensor('int64', b.tokenTypeIds, dims),
  };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  return {
    sequence: b.sequence,
    async measure(seconds: number): Promise<number> {
      let runs = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        await session.run(feeds);
        runs++;
      }
      return (runs * MAX_BATCH * 1000) / (performance.now() - t0);
    },
    close: () => sessions.close(),
  };
}

async function main() {
  const modelsDir = ELECTRA ? ensureBenchModel(MODEL, 'electra') : loadConfig().models.dir;
  const what = ELECTRA ? 'shape-faithful KcELECTRA-small, random weights' : 'multilingual-e5-small-int8 + trained head, lexicon beside it';
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`clean-bot benchmark: ${MODEL} (${what}), ${os.availableParallelism()} cores, ${SECONDS}s per level, load average ${load()}`);
  const raw = ELECTRA ? await rawOrt(modelsDir) : await rawHead(modelsDir);
  const method = ELECTRA ? 'onnx' : HEAD_METHOD;
  const ref = ELECTRA ? `${MODEL}@bench-1` : `${MODEL}@1`;
  const api = await startBenchApi(
    { LIGHTBOX_MODELS_DIR: modelsDir, LIGHTBOX_MODEL_ROLES: `toxicity=${MODEL}` },
    { moderator: { maxBatch: MAX_BATCH, maxWaitMs: 4 } },
  );
  try {
    const send = async (i: number) => {
      const r = await api.post('/v1/moderation/chat', { messages: [{ id: `m${i}`, text: CHAT_LINES[i % CHAT_LINES.length] }] });
      return r.status === 200 && r.body.results[0].method === method;
    };
    for (let i = 0; i < 8; i++) await send(i); // load the session, warm the path
    const levels = [1, 4, 16, 32, 64, 128].filter((c) => c >= MIN_CONCURRENCY && c <= MAX_CONCURRENCY);
    const results = [];
    // Items per inference run, from the shared metrics the app records: shows the batching.
    const batches = async () => {
      const v = (await inferenceBatchSize.get()).values.filter((x) => x.labels.model === ref);
      const pick = (name: string) => v.find((x) => x.metricName === name)?.value ?? 0;
      return { runs: pick('lightbox_inference_batch_size_count'), items: pick('lightbox_inference_batch_size_sum') };
    };
    for (const c of levels) {
      const b0 = await batches();
      const loadBefore = load();
      const res = await closedLoop(c, SECONDS, send);
      const b1 = await batches();
      const r = {
        ...res,
        loadavg: `${loadBefore} → ${load()}`,
        batch: (b1.items - b0.items) / Math.max(1, b1.runs - b0.runs),
        raw: await raw.measure(Math.min(3, SECONDS / 2)),
      };
      results.push(r);
      console.log(
        `  concurrency ${c}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms${r.errors ? `, ${r.errors} errors` : ''}; mean batch ${r.batch.toFixed(1)}; raw right after: ${r.raw.toFixed(0)} msg/s; load average ${r.loadavg}`,
      );
    }
    const best = results.reduce((a, b) => (b.rps > a.rps ? b : a));
    const ratio = best.rps / best.raw;
    console.log('');
    table(
      ['measure', 'hertz seed (4 vCPU)', `Lightbox (${os.availableParallelism()} cores)`, 'target'],
      [
        ['clean-bot RPS (best level)', '50', `${best.rps.toFixed(0)} (concurrency ${best.concurrency})`, '> 50'],
        ['latency at that level', '120–250 ms', `p50 ${best.p50.toFixed(0)} / p95 ${best.p95.toFixed(0)} / p99 ${best.p99.toFixed(0)} ms`, 'p95 < 250 ms'],
        ...results.map((r) => [
          `  concurrency ${r.concurrency}`,
          '',
          `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(0)} / p95 ${r.p95.toFixed(0)} / p99 ${r.p99.toFixed(0)} ms, batch ${r.batch.toFixed(1)} (raw ${r.raw.toFixed(0)}/s; load ${r.loadavg})`,
          '≥ 100 req/s at p99 ≤ 150 ms',
        ]),
        ['raw batch throughput', '—', `${best.raw.toFixed(0)} msg/s (batch ${MAX_BATCH}${raw.sequence ? ` × ${raw.sequence} tokens` : ''})`, ''],
        ['HTTP / raw ORT (same level)', '—', ratio.toFixed(2), '≥ 0.80'],
      ],
    );
    if (ELECTRA) {
      console.log('\nModel: full-size KcELECTRA-small graph with random weights (real compute, meaningless scores); tokens from the');
      console.log('test WordPiece vocabulary (mostly one syllable per token, so sequences are longer than the real vocabulary makes them).');
    } else console.log("\nModel: the real e5 int8 encoder and trained head (what the clean-bot runs by default), in the API's inference thread.");
    console.log("Load generator and server share this machine's cores.");
  } finally {
    await api.stop();
    await raw.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
