/**
 * The peer: the same per-photo analysis function the Lightbox CPU worker runs
 * (createPhotoPipelineActivities(...).analyzePhotoBatch, same models, decoder pool, store and
 * cache), pulled from a BullMQ queue instead of a Temporal task queue. Started by
 * bench/photo-queue-peer.bench.ts as its own process, configured by the environment like the CPU
 * worker, plus BULLMQ_QUEUE, BULLMQ_PREFIX, BULLMQ_REDIS_DB and BULLMQ_SKIP_STALLED_CHECK.
 *
 * A job is one batch (PhotoBatchInput), as the CPU worker gets; the activity context the
 * function reads (attempt, heartbeats) comes from Temporal's MockActivityEnvironment, and its
 * heartbeats go nowhere: that durability is what BullMQ does not have.
 */
import os from 'node:os';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker } from 'bullmq';
import { createIsolatedDecoder, isolatedDecoderOptionsFromConfig } from '../../src/activities/album/decode/isolated-decode';
import { createPhotoPipelineActivities } from '../../src/activities/album/analyze-batch';
import { loadConfig } from '../../src/config';
import type { PhotoBatchInput } from '../../src/shared/album';
import { blobStoreFromConfig } from '../../src/storage/from-config';
import { BATCH_NICE, lowerPriority } from '../../src/workers/batch-priority';
import { embeddingCacheFromConfig, photoModelsFromConfig } from '../../src/workers/deps';
import { createModelRuntime } from '../../src/models';

async function main() {
  const config = loadConfig();
  // As the Lightbox CPU worker does: the same share of the cores against everything else.
  lowerPriority(BATCH_NICE, (msg) => console.error(msg));
  const concurrency = config.workers.cpuConcurrency ?? Math.max(1, os.availableParallelism());
  const decoder = createIsolatedDecoder({ ...isolatedDecoderOptionsFromConfig(config), poolSize: concurrency });
  const runtime = createModelRuntime(config.models);
  const [models] = await Promise.all([photoModelsFromConfig(config, runtime), decoder.warmUp()]);
  const { analyzePhotoBatch } = createPhotoPipelineActivities({
    store: blobStoreFromConfig(config),
    decoder,
    models,
    cache: embeddingCacheFromConfig(config),
  });
  const worker = new Worker<PhotoBatchInput>(
    process.env.BULLMQ_QUEUE!,
    async (job) => {
      const env = new MockActivityEnvironment({ attempt: job.attemptsMade + 1, activityType: 'analyzePhotoBatch' });
      return env.run(analyzePhotoBatch, job.data);
    },
    {
      connection: { host: '127.0.0.1', port: 6379, db: Number(process.env.BULLMQ_REDIS_DB ?? 9) },
      prefix: process.env.BULLMQ_PREFIX,
      concurrency,
      skipStalledCheck: process.env.BULLMQ_SKIP_STALLED_CHECK === '1',
    },
  );
  await worker.waitUntilReady();
  console.log(JSON.stringify({ msg: 'worker started', concurrency }));
  process.once('SIGTERM', () => {
    void worker.close().then(async () => {
      await decoder.close();
      await runtime.sessions.close();
      process.exit(0);
    });
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
