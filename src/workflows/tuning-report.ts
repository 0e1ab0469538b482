/**
 * TuningReportWorkflow (hertz): three optional, time-boxed context searches on the I/O queue in
 * parallel, then the report on the LLM GPU queue, where jobs wait in Temporal for one of the
 * class's slots (several per GPU: vLLM batches them).
 */
import { ActivityCancellationType, defineQuery, isCancellation, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { createTuningContextActivities } from '../activities/gpu/tuning-context';
import type { createTuningReportActivities } from '../activities/gpu/tuning-report';
import type { ContextResult, ContextSource, ReportPhase, ReportWorkflowView, TuningReportInput, TuningReportResult } from '../shared/gpu-jobs';
import { SA } from '../shared/search-attributes';
import { ACTIVITY_OPTIONS, gpuActivityOptions, RETRY } from '../shared/task-queues';
import { onGpu } from './gpu-dispatch';

export const reportStatusQuery = defineQuery<ReportWorkflowView>('reportStatus');

const PROVIDERS: Record<ContextSource, string> = { web: 'google-custom-search', music: 'spotify', video: 'youtube' };

export async function TuningReportWorkflow(input: TuningReportInput): Promise<TuningReportResult> {
  const io = proxyActivities<ReturnType<typeof createTuningContextActivities>>({
    ...ACTIVITY_OPTIONS.io,
    startToCloseTimeout: input.contextTimeoutMs,
    // The whole source, retries included, stays inside a small multiple of its box.
    scheduleToCloseTimeout: input.contextTimeoutMs * 3,
    retry: { ...RETRY.externalApi, maximumAttempts: 2 },
  });
  const llm = proxyActivities<ReturnType<typeof createTuningReportActivities>>({
    ...gpuActivityOptions('llm', input.gpu),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  let phase: ReportPhase = 'gathering-context';
  let context: ContextResult[] = [];
  setHandler(reportStatusQuery, () => ({ reportId: input.reportId, phase, context }));
  const setStatus = (s: string) => upsertSearchAttributes([{ key: SA.status, value: s }]);

  try {
    const sources: Array<[ContextSource, Promise<ContextResult>]> = [
      ['web', io.searchWeb(input.profiles)],
      ['music', io.searchMusic(input.profiles)],
      ['video', io.searchVideos(input.profiles)],
    ];
    const settled = await Promise.allSettled(sources.map(([, p]) => p));
    context = settled.map((s, i) => {
      const source = sources[i]![0];
      if (s.status === 'fulfilled') return s.value;
      if (isCancellation(s.reason)) throw s.reason;
      const cause = (s.reason as { cause?: { message?: string } }).cause;
      return { source, provider: PROVIDERS[source], status: 'failed', items: [], error: cause?.message ?? String(s.reason) };
    });
    phase = 'writing-report';
    setStatus('writing-report');
    const report = await onGpu('llm', () => llm.writeTuningReport({ tenantId: input.tenantId, reportId: input.reportId, profiles: input.profiles, context }));
    phase = 'done';
    setStatus('done');
    return { reportId: input.reportId, context, report };
  } catch (err) {
    setStatus(isCancellation(err) ? 'cancelled' : 'failed');
    throw err;
  }
}
