/**
 * Matching workflows.
 *
 * ProfileWorkflow (id `profile-<tenant>-<userId>`): indexes one profile durably — embed on the CPU
 * queue, upsert into the embedding's collection on the I/O queue — or deletes it from every
 * collection named. A newer request for the same user replaces a running one (the API starts
 * with TERMINATE_EXISTING), so the last write wins.
 *
 * ProfileReindexWorkflow (id `match-reindex-<tenant>-<from>`): after a model change, pages
 * through a tenant's profiles in the old collection and writes each into the current
 * embedding's collection, skipping profiles already there with the same text (so re-running it,
 * or resuming it, changes nothing for them). `pause`/`resume` signals stop and restart it between
 * pages; the `progress` query reports where it is; it continues as new every `pagesPerRun` pages
 * so the history stays small however many profiles there are.
 */
import { condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { createMatchingCpuActivities, createMatchingIoActivities, ProfileToWrite } from '../activities/matching/profile-index';
import type { ProfileWorkflowInput, ProfileWorkflowResult, ReindexInput, ReindexProgress } from '../shared/matching';
import { SA } from '../shared/search-attributes';
import { ACTIVITY_OPTIONS } from '../shared/task-queues';

const cpu = proxyActivities<ReturnType<typeof createMatchingCpuActivities>>(ACTIVITY_OPTIONS.cpu);
const io = proxyActivities<ReturnType<typeof createMatchingIoActivities>>(ACTIVITY_OPTIONS.io);

export const pauseReindexSignal = defineSignal('pause');
export const resumeReindexSignal = defineSignal('resume');
export const reindexProgressQuery = defineQuery<ReindexProgress>('progress');

export async function ProfileWorkflow(input: ProfileWorkflowInput): Promise<ProfileWorkflowResult> {
  upsertSearchAttributes([
    { key: SA.tenant, value: input.tenant },
    { key: SA.jobKind, value: `profile-${input.op}` },
  ]);
  if (input.op === 'delete') {
    const deleted = await io.deleteProfile({ tenant: input.tenant, userId: input.userId, collections: input.collections });
    return { op: 'delete', userId: input.userId, deleted };
  }
  const embedded = await cpu.embedProfileTexts({ tenant: input.tenant, texts: [input.text] });
  const profile: ProfileToWrite = { tenant: input.tenant, userId: input.userId, text: input.text, fields: input.fields, vector: embedded.vectors[0]! };
  await io.upsertProfiles({ collection: embedded.collection, profiles: [profile] });
  return {
    op: 'upsert',
    userId: input.userId,
    embedding: embedded.embedding,
    method: embedded.method,
    collection: embedded.collection,
    ...(embedded.fallbackReason ? { fallbackReason: embedded.fallbackReason } : {}),
  };
}

export async function ProfileReindexWorkflow(input: ReindexInput): Promise<ReindexProgress> {
  const pageSize = input.pageSize ?? 32;
  const pagesPerRun = input.pagesPerRun ?? 100;
  const progress: ReindexProgress = input.progress ?? {
    state: 'running',
    fromCollection: input.fromCollection,
    offset: 0,
    reindexed: 0,
    unchanged: 0,
    runs: 0,
  };
  progress.runs++;
  let paused = progress.state === 'paused';
  setHandler(pauseReindexSignal, () => {
    paused = true;
  });
  setHandler(resumeReindexSignal, () => {
    paused = false;
  });
  setHandler(reindexProgressQuery, () => ({ ...progress, state: progress.state === 'completed' ? 'completed' : paused ? 'paused' : 'running' }));
  upsertSearchAttributes([
    { key: SA.tenant, value: input.tenant },
    { key: SA.jobKind, value: 'profile-reindex' },
    { key: SA.status, value: 'running' },
  ]);

  if (!progress.toCollection) {
    const current = await cpu.currentEmbedding({ tenant: input.tenant });
    progress.toCollection = current.collection;
    progress.embedding = current.embedding;
    progress.method = current.method;
  }
  const target = progress.toCollection;

  for (let pages = 0; ; pages++) {
    if (paused) {
      upsertSearchAttributes([{ key: SA.status, value: 'paused' }]);
      await condition(() => !paused);
      upsertSearchAttributes([{ key: SA.status, value: 'running' }]);
    }
    if (pages >= pagesPerRun) {
      await continueAsNew<typeof ProfileReindexWorkflow>({ ...input, progress: { ...progress, state: paused ? 'paused' : 'running' } });
    }
    const page = await io.listProfilePage({ collection: input.fromCollection, tenant: input.tenant, offset: progress.offset, limit: pageSize });
    if (page.length === 0) break;
    const existing = await io.profileDigests({ collection: target, tenant: input.tenant, userIds: page.map((p) => p.userId) });
    const changed = page.filter((p, i) => existing[i] !== p.textDigest);
    if (changed.length > 0) {
      const embedded = await cpu.embedProfileTexts({ tenant: input.tenant, texts: changed.map((p) => p.text) });
      if (embedded.collection !== target) {
        // The embedding changed under us (a model was installed or removed mid-run): start over into the new one.
        progress.toCollection = undefined;
        await continueAsNew<typeof ProfileReindexWorkflow>({ ...input, progress: { ...progress, offset: 0, state: paused ? 'paused' : 'running' } });
      }
      await io.upsertProfiles({
        collection: target,
        profiles: changed.map((p, i) => ({ tenant: input.tenant, userId: p.userId, text: p.text, fields: p.fields, vector: embedded.vectors[i]! })),
      });
    }
    progress.offset += page.length;
    progress.reindexed += changed.length;
    progress.unchanged += page.length - changed.length;
    if (page.length < pageSize) break;
  }
  progress.state = 'completed';
  upsertSearchAttributes([{ key: SA.status, value: 'completed' }]);
  return { ...progress };
}
