/**
 * What both GPU activities do around their backend call: heartbeat on real progress only (a step
 * sampled, a token streamed), so a GPU that stops making progress stops heartbeating and Temporal
 * retries the job on another worker after the heartbeat timeout; abort the backend call when the
 * job is cancelled; and give the slot back if the backend has been silent far longer than that.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';

export interface GpuJobGuard<P> {
  /** Aborts on cancellation (through heartbeats) or on a stall. Pass to the backend call. */
  signal: AbortSignal;
  progress(details: P): void;
  /**
   * Heartbeats the last details without counting as progress: the process is alive and busy, but
   * only real progress holds off the stall abort.
   */
  alive(): void;
  /** Turns an error thrown after an abort into the right failure: cancelled or retryable stall. */
  failure(err: unknown): unknown;
  dispose(): void;
}

/**
 * A node whose backend has reported nothing this long gives its slot back. Five minutes: far
 * past DEFAULT_GPU_TIMEOUTS' heartbeat timeout plus first retry (70 s), so Temporal has already
 * moved the job before the slot frees, and the node cannot take the same job back.
 */
export const GPU_STALL_ABORT_MS = 300_000;

export function guardGpuJob<P>(stallAbortMs: number, initial: P): GpuJobGuard<P> {
  const ctx = Context.current();
  const controller = new AbortController();
  let lastProgressAt = Date.now();
  let stalled = false;
  const onCancel = () => controller.abort(ctx.cancellationSignal.reason ?? new CancelledFailure('cancelled'));
  if (ctx.cancellationSignal.aborted) onCancel();
  else ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  // By then the server has timed the attempt out and retried it elsewhere: this only frees the slot.
  const watchdog = setInterval(
    () => {
      if (Date.now() - lastProgressAt > stallAbortMs && !controller.signal.aborted) {
        stalled = true;
        controller.abort(new Error(`no progress for ${stallAbortMs} ms`));
      }
    },
    Math.min(1000, Math.max(50, stallAbortMs / 4)),
  );
  watchdog.unref();
  let last = initial;
  ctx.heartbeat(initial);
  return {
    signal: controller.signal,
    progress(details) {
      lastProgressAt = Date.now();
      last = details;
      ctx.heartbeat(details);
    },
    alive() {
      ctx.heartbeat(last);
    },
    failure(err) {
      if (ctx.cancellationSignal.aborted) {
        const reason = ctx.cancellationSignal.reason;
        return reason instanceof CancelledFailure ? reason : new CancelledFailure(String(reason ?? 'cancelled'));
      }
      if (stalled) return ApplicationFailure.retryable(`GPU backend stalled: no progress for ${stallAbortMs} ms`, 'GPU_STALLED');
      return err;
    },
    dispose() {
      clearInterval(watchdog);
      ctx.cancellationSignal.removeEventListener('abort', onCancel);
    },
  };
}
