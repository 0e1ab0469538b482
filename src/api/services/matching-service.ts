/**
 * Matching behind the HTTP routes. Writes (PUT/DELETE a profile, a re-index) run as workflows so
 * they are durable and retried; queries are answered here, synchronously: the query vector is the
 * user's stored vector (no model run) or the text embedded in this process, then one vector search
 * inside the tenant with the filters, never returning the querying user.
 */
import { WorkflowIdConflictPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MatchEmbedder } from '../../matching/match-embedder';
import { profileCollection, profileRecordId, RESERVED_PROFILE_FIELDS } from '../../matching/profiles';
import type { ProfileFieldValue } from '../../shared/matching';
import type { VectorStore, Where } from '../../matching/vector-store';
import { profileWorkflowId, reindexWorkflowId, type ProfileWorkflowResult, type ReindexProgress } from '../../shared/matching';
import type { MatchResponse, ReindexStartedResponse } from '../../shared/contract/matching';
import { TASK_QUEUES } from '../../shared/task-queues';
import { pauseReindexSignal, ProfileReindexWorkflow, ProfileWorkflow, reindexProgressQuery, resumeReindexSignal } from '../../workflows/matching';
import { ApiError } from '../errors';
import { checkText, MAX_TEXT_CHARS } from './moderation-service';

export interface MatchRequest {
  userId?: string;
  text?: string;
  k?: number;
  filters?: Where;
}

export const DEFAULT_K = 10;
/** Neighbours one query may ask for: more than any match screen shows, and bounded so one request cannot walk the whole index. */
export const MAX_K = 100;

export class MatchingService {
  constructor(
    private readonly client: Client,
    private readonly embedder: MatchEmbedder,
    private readonly vectors: VectorStore,
  ) {}

  async putProfile(tenant: string, userId: string, text: string, fields: Record<string, ProfileFieldValue> = {}): Promise<ProfileWorkflowResult> {
    checkText(text, MAX_TEXT_CHARS, `the profile of ${userId}`);
    for (const reserved of RESERVED_PROFILE_FIELDS) {
      if (reserved in fields) throw new ApiError('VALIDATION_FAILED', `"${reserved}" is set by Lightbox and cannot be a profile field`);
    }
    // A newer write for the same user replaces a running one: the last write wins.
    return this.client.workflow.execute(ProfileWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId: profileWorkflowId(tenant, userId),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.TERMINATE_EXISTING,
      args: [{ op: 'upsert', tenant, userId, text, fields }],
    });
  }

  /** Both collections a profile may be in: the model's and the fallback's. */
  private async knownCollections(tenant: string): Promise<string[]> {
    const current = await this.embedder.current();
    return [...new Set([profileCollection(tenant, current.embedding), profileCollection(tenant, this.embedder.fallbackRef)])];
  }

  async deleteProfile(tenant: string, userId: string): Promise<ProfileWorkflowResult> {
    const collections = await this.knownCollections(tenant);
    const found = await Promise.all(collections.map(async (c) => (await this.vectors.get(c, [profileRecordId(tenant, userId)]))[0]));
    if (!found.some(Boolean)) throw new ApiError('UNKNOWN_USER', `No profile for user ${userId}`);
    return this.client.workflow.execute(ProfileWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId: profileWorkflowId(tenant, userId),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.TERMINATE_EXISTING,
      args: [{ op: 'delete', tenant, userId, collections }],
    });
  }

  async match(tenant: string, req: MatchRequest): Promise<MatchResponse> {
    const k = req.k ?? DEFAULT_K;
    if (k < 1 || k > MAX_K) throw new ApiError('K_OUT_OF_RANGE', `k must be between 1 and ${MAX_K} (got ${k})`, { min: 1, max: MAX_K });
    for (const field of Object.keys(req.filters ?? {})) {
      if ((RESERVED_PROFILE_FIELDS as readonly string[]).includes(field)) throw new ApiError('VALIDATION_FAILED', `"${field}" cannot be filtered on`);
    }
    if (req.text !== undefined) checkText(req.text, MAX_TEXT_CHARS, 'the query');
    const current = await this.embedder.current();
    const collection = profileCollection(tenant, current.embedding);
    let vector: Float32Array;
    let meta = current;
    if (req.text !== undefined) {
      const embedded = await this.embedder.embed([req.text]);
      vector = embedded.vectors[0]!;
      meta = embedded;
    } else {
      const [record] = await this.vectors.get(collection, [profileRecordId(tenant, req.userId!)]);
      if (!record) throw new ApiError('UNKNOWN_USER', `No profile for user ${req.userId} (in ${current.embedding})`);
      vector = record.vector;
    }
    const hits = await this.vectors.query(profileCollection(tenant, meta.embedding), vector, {
      k,
      ...(req.filters ? { where: req.filters } : {}),
      excludeIds: req.userId ? [profileRecordId(tenant, req.userId)] : [],
    });
    return {
      results: hits.map((h) => ({ userId: String(h.metadata.userId), score: Math.round(h.score * 1e6) / 1e6 })),
      k,
      method: meta.method,
      embedding: meta.embedding,
      ...(meta.fallbackReason ? { fallbackReason: meta.fallbackReason } : {}),
    };
  }

  async startReindex(tenant: string, from: string, pageSize?: number): Promise<ReindexStartedResponse> {
    const fromCollection = profileCollection(tenant, from);
    const jobId = `${fromCollection}-${Date.now().toString(36)}`;
    const workflowId = reindexWorkflowId(tenant, jobId);
    await this.client.workflow.start(ProfileReindexWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId,
      args: [{ tenant, fromCollection, ...(pageSize ? { pageSize } : {}) }],
    });
    return { jobId, workflowId };
  }

  private async withJob<T>(tenant: string, jobId: string, fn: (id: string) => Promise<T>): Promise<T> {
    try {
      return await fn(reindexWorkflowId(tenant, jobId));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ApiError('REINDEX_NOT_FOUND', `No re-index job ${jobId}`);
      throw err;
    }
  }

  reindexProgress(tenant: string, jobId: string): Promise<ReindexProgress> {
    return this.withJob(tenant, jobId, (id) => this.client.workflow.getHandle(id).query(reindexProgressQuery));
  }

  pauseReindex(tenant: string, jobId: string): Promise<ReindexProgress> {
    return this.withJob(tenant, jobId, async (id) => {
      await this.client.workflow.getHandle(id).signal(pauseReindexSignal);
      return this.client.workflow.getHandle(id).query(reindexProgressQuery);
    });
  }

  resumeReindex(tenant: string, jobId: string): Promise<ReindexProgress> {
    return this.withJob(tenant, jobId, async (id) => {
      await this.client.workflow.getHandle(id).signal(resumeReindexSignal);
      return this.client.workflow.getHandle(id).query(reindexProgressQuery);
    });
  }
}
