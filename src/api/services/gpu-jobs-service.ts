/**
 * Style-transfer and tuning-report jobs behind the HTTP routes: starting their workflows (an
 * Idempotency-Key maps to the workflow id), reading status from the workflow (describe, its
 * query, the GPU activity's heartbeat details) plus the GPU queue's backlog, and cancelling.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { WorkflowResultType } from '@temporalio/common';
import { defaultPayloadConverter, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Config } from '../../config';
import {
  reportWorkflowId,
  styleWorkflowId,
  type JobState,
  type Profile,
  type ReportProgress,
  type RenderProgress,
  type StyleTransferResult,
  type TuningReportResult,
} from '../../shared/gpu-jobs';
import { SA } from '../../shared/search-attributes';
import { DEFAULT_GPU_TIMEOUTS, GPU_QUEUES, TASK_QUEUES, type GpuClass, type GpuTimeouts } from '../../shared/task-queues';
import { CONTEXT_TIMEOUT_MS } from '../../activities/gpu/tuning-context';
import { SIGNED_URL_TTL_SECONDS, type BlobStore } from '../../storage/blob-store';
import { BlobNotFoundError } from '../../storage/blob-store';
import { albumPhotoKey, reportKey, styleResultKey } from '../../storage/keys';
import { GpuQueueMonitor, type GpuQueueSnapshot } from '../../temporal-client/gpu-queues';
import { StyleTransferWorkflow, styleStatusQuery } from '../../workflows/style-transfer';
import { reportStatusQuery, TuningReportWorkflow } from '../../workflows/tuning-report';
import { ApiError, type ErrorCode } from '../errors';
import { resourceId } from './idempotency';

const { PendingActivityState, WorkflowExecutionStatus } = temporal.api.enums.v1;

interface JobView<P> {
  state: JobState;
  workflowStatus: string;
  attempt?: number;
  progress?: P;
  lastFailure?: string;
  error?: { code: string; message: string };
  queue: GpuQueueSnapshot | { queue: string; error: string };
}

const STATUS_NAMES: Record<number, string> = {
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING]: 'running',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED]: 'completed',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED]: 'failed',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED]: 'cancelled',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED]: 'terminated',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT]: 'timed-out',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW]: 'continued-as-new',
};

/** What failed, with the deepest cause's type as the code (e.g. GPU_STALLED, a schedule-to-start timeout). */
function failureOf(err: unknown): { code: string; message: string } {
  let e = err instanceof WorkflowFailedError ? err.cause : err;
  let code = 'JOB_FAILED';
  let message = (e as Error)?.message ?? String(e);
  while (e) {
    const f = e as { type?: string; message?: string; cause?: unknown };
    if (f.type) code = f.type;
    // Only GPU workers poll the GPU queues: a job no worker took in time means none is up.
    if (e instanceof TimeoutFailure) code = e.timeoutType === TimeoutType.SCHEDULE_TO_START ? 'NO_GPU_WORKER' : `TIMEOUT_${e.timeoutType}`;
    if (f.message) message = f.message;
    e = f.cause;
  }
  return { code, message };
}

type AnyWorkflow = typeof StyleTransferWorkflow | typeof TuningReportWorkflow;

export interface CreatedJob {
  id: string;
  workflowId: string;
  /** false: the Idempotency-Key named a job that already exists. */
  created: boolean;
}

/** What style and report jobs share: start with idempotency, status from describe + heartbeats, cancel. */
abstract class GpuJobs<W extends AnyWorkflow, P> {
  constructor(
    protected readonly client: Client,
    protected readonly monitor: GpuQueueMonitor,
    private readonly kind: {
      name: 'style' | 'report';
      idField: 'styleId' | 'reportId';
      gpuClass: GpuClass;
      gpuActivity: string;
      notFound: ErrorCode;
      workflowId: (t: string, id: string) => string;
    },
  ) {}

  /** The job's own fields once it is done, from the workflow's result. */
  protected abstract whenDone(result: WorkflowResultType<W>): Promise<object> | object;
  /** The job's own fields while it runs, from the workflow's query. */
  protected abstract whileLive(handle: WorkflowHandle<W>): Promise<object>;
  /** A finished job's stored result, for when Temporal no longer has the workflow (past retention). */
  protected abstract fromStore(tenantId: string, id: string): Promise<object | undefined>;

  async status(tenantId: string, id: string) {
    const ids = { [this.kind.idField]: id, workflowId: this.kind.workflowId(tenantId, id) };
    const found = await this.view(tenantId, id).catch(async (err: unknown) => {
      if (!(err instanceof ApiError && err.code === this.kind.notFound)) throw err;
      const stored = await this.fromStore(tenantId, id);
      if (!stored) throw err;
      return { stored };
    });
    if ('stored' in found) return { ...ids, state: 'done', workflowStatus: 'archived', phase: 'done', ...found.stored };
    const { view, handle } = found;
    const base = { ...ids, ...view };
    if (view.state === 'done') return { ...base, phase: 'done', ...(await this.whenDone(await handle.result())) };
    if (view.state === 'running' || view.state === 'queued') return { ...base, ...(await this.whileLive(handle).catch(() => ({}))) };
    return base;
  }

  protected handle(tenantId: string, id: string): WorkflowHandle<W> {
    return this.client.workflow.getHandle<W>(this.kind.workflowId(tenantId, id));
  }

  protected async start(tenantId: string, id: string, workflow: W, args: Parameters<W>): Promise<CreatedJob> {
    try {
      await this.client.workflow.start(workflow as AnyWorkflow, {
        taskQueue: TASK_QUEUES.workflow,
        workflowId: this.kind.workflowId(tenantId, id),
        // A finished job keeps its id: the same Idempotency-Key never runs it again.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: args as never,
        typedSearchAttributes: [
          { key: SA.tenant, value: tenantId },
          { key: SA.jobKind, value: this.kind.name },
          { key: SA.status, value: 'queued' },
        ],
      });
      return { id, workflowId: this.kind.workflowId(tenantId, id), created: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { id, workflowId: this.kind.workflowId(tenantId, id), created: false };
      throw err;
    }
  }

  private async describe(tenantId: string, id: string) {
    const handle = this.handle(tenantId, id);
    try {
      return { handle, description: await handle.describe() };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ApiError(this.kind.notFound, `No ${this.kind.name} ${id}`);
      throw err;
    }
  }

  private async view(tenantId: string, id: string): Promise<{ view: JobView<P>; handle: WorkflowHandle<W> }> {
    const { handle, description } = await this.describe(tenantId, id);
    const queue = await this.monitor.snapshot(this.kind.gpuClass).catch((err: Error) => ({ queue: GPU_QUEUES[this.kind.gpuClass], error: err.message }));
    const statusCode = description.raw.workflowExecutionInfo?.status ?? 0;
    const view: JobView<P> = { state: 'running', workflowStatus: STATUS_NAMES[statusCode] ?? 'unknown', queue };
    if (statusCode === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      const pending = description.raw.pendingActivities?.find((a) => a.activityType?.name === this.kind.gpuActivity);
      if (pending) {
        // Waiting for a GPU slot in Temporal (SCHEDULED) is "queued"; a started attempt is "running".
        view.state = pending.state === PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED ? 'queued' : 'running';
        view.attempt = pending.attempt ?? 1;
        const details = pending.heartbeatDetails?.payloads?.[0];
        if (details && view.state === 'running') view.progress = defaultPayloadConverter.fromPayload<P>(details);
        if (pending.lastFailure?.message) view.lastFailure = pending.lastFailure.message;
      }
    } else if (statusCode === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
      view.state = 'done';
    } else if (statusCode === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED) {
      view.state = 'cancelled';
    } else {
      view.state = 'failed';
      view.error = await handle.result().then(
        () => ({ code: 'JOB_FAILED', message: 'failed' }),
        (err: unknown) => failureOf(err),
      );
    }
    return { view, handle };
  }

  async cancel(tenantId: string, id: string): Promise<void> {
    const { handle, description } = await this.describe(tenantId, id);
    const status = description.raw.workflowExecutionInfo?.status;
    if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED) return;
    if (status !== WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new ApiError('JOB_FINISHED', `${this.kind.name} ${id} has already finished (${STATUS_NAMES[status ?? 0] ?? 'closed'})`);
    }
    await handle.cancel();
  }
}

export class StyleService extends GpuJobs<typeof StyleTransferWorkflow, RenderProgress> {
  constructor(
    client: Client,
    monitor: GpuQueueMonitor,
    private readonly store: BlobStore,
    private readonly timeouts: GpuTimeouts,
  ) {
    super(client, monitor, {
      name: 'style',
      idField: 'styleId',
      gpuClass: 'diffusion',
      gpuActivity: 'renderStyle',
      notFound: 'STYLE_NOT_FOUND',
      workflowId: styleWorkflowId,
    });
  }

  async create(
    tenantId: string,
    body: { albumId: string; photoId: string; request?: string; styleFromPhotoId?: string },
    idempotencyKey?: string,
  ): Promise<CreatedJob> {
    const styleId = resourceId('sty', tenantId, idempotencyKey);
    const photoKey = albumPhotoKey(tenantId, body.albumId, body.photoId);
    // Checked here so an unknown photo is a 404 now, not a failed job later.
    if (!(await this.store.stat(photoKey))) {
      throw new ApiError('PHOTO_NOT_FOUND', `No photo ${body.photoId} in album ${body.albumId}`);
    }
    const styleFromKey = body.styleFromPhotoId ? albumPhotoKey(tenantId, body.albumId, body.styleFromPhotoId) : undefined;
    if (styleFromKey && !(await this.store.stat(styleFromKey))) {
      throw new ApiError('STYLE_REFERENCE_NOT_FOUND', `No photo ${body.styleFromPhotoId} in album ${body.albumId} to take the style from`);
    }
    return this.start(tenantId, styleId, StyleTransferWorkflow, [
      {
        tenantId,
        styleId,
        albumId: body.albumId,
        photoId: body.photoId,
        photoKey,
        request: body.request ?? '',
        createdAt: new Date().toISOString(),
        gpu: this.timeouts,
        ...(styleFromKey ? { styleFrom: { photoId: body.styleFromPhotoId!, photoKey: styleFromKey } } : {}),
      },
    ]);
  }

  protected async whenDone(result: StyleTransferResult) {
    // Signed afresh on every read: a stored URL would expire.
    const signed = await this.store.signedDownloadUrl(result.render.resultKey, { expiresInSeconds: SIGNED_URL_TTL_SECONDS });
    return { prompt: result.prompt, result: { ...result.render, url: signed.url, urlExpiresAt: signed.expiresAt } };
  }

  protected async whileLive(handle: WorkflowHandle<typeof StyleTransferWorkflow>) {
    const q = await handle.query(styleStatusQuery);
    return { phase: q.phase, prompt: q.prompt };
  }

  protected async fromStore(tenantId: string, styleId: string) {
    const key = styleResultKey(tenantId, styleId);
    if (!(await this.store.stat(key))) return undefined;
    const signed = await this.store.signedDownloadUrl(key, { expiresInSeconds: SIGNED_URL_TTL_SECONDS });
    return { result: { resultKey: key, url: signed.url, urlExpiresAt: signed.expiresAt } };
  }
}

export class ReportService extends GpuJobs<typeof TuningReportWorkflow, ReportProgress> {
  constructor(
    client: Client,
    monitor: GpuQueueMonitor,
    private readonly store: BlobStore,
    private readonly timeouts: GpuTimeouts,
  ) {
    super(client, monitor, {
      name: 'report',
      idField: 'reportId',
      gpuClass: 'llm',
      gpuActivity: 'writeTuningReport',
      notFound: 'REPORT_NOT_FOUND',
      workflowId: reportWorkflowId,
    });
  }

  async create(tenantId: string, body: { profiles: [Profile, Profile] }, idempotencyKey?: string): Promise<CreatedJob> {
    const reportId = resourceId('rep', tenantId, idempotencyKey);
    return this.start(tenantId, reportId, TuningReportWorkflow, [
      {
        tenantId,
        reportId,
        profiles: body.profiles,
        createdAt: new Date().toISOString(),
        gpu: this.timeouts,
        contextTimeoutMs: CONTEXT_TIMEOUT_MS,
      },
    ]);
  }

  protected whenDone(result: TuningReportResult) {
    return { context: result.context, report: result.report };
  }

  protected async whileLive(handle: WorkflowHandle<typeof TuningReportWorkflow>) {
    const q = await handle.query(reportStatusQuery);
    return { phase: q.phase, context: q.context };
  }

  protected async fromStore(tenantId: string, reportId: string) {
    const key = reportKey(tenantId, reportId);
    try {
      const { context, reportId: _id, ...report } = JSON.parse((await this.store.get(key)).toString('utf8'));
      return { context, report: { reportKey: key, ...report } };
    } catch (err) {
      if (err instanceof BlobNotFoundError) return undefined;
      throw err;
    }
  }
}

/** `gpuTimeouts`: tests shorten them; everything else runs DEFAULT_GPU_TIMEOUTS. */
export function gpuJobServices(client: Client, store: BlobStore, config: Config, gpuTimeouts: Partial<GpuTimeouts> = {}) {
  const monitor = new GpuQueueMonitor(client, config.temporal.namespace);
  const timeouts = { ...DEFAULT_GPU_TIMEOUTS, ...gpuTimeouts };
  return { monitor, styles: new StyleService(client, monitor, store, timeouts), reports: new ReportService(client, monitor, store, timeouts) };
}
