/**
 * The Temporal OpenTelemetry interceptors, wired the same way everywhere: client, workers,
 * the workflow bundle and replay. Workflow interceptors are part of what replay sees, so this
 * module is the one place that decides them.
 */
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { trace } from '@opentelemetry/api';
import type { Context as ActivityContext } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next, WorkerOptions } from '@temporalio/worker';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR, entityAttributes } from './span-tags';

export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

export function clientInterceptors() {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

export function workerInterceptors(): NonNullable<WorkerOptions['interceptors']> {
  return {
    client: clientInterceptors(),
    workflowModules: WORKFLOW_INTERCEPTOR_MODULES,
    activity: [
      (ctx) => ({
        inbound: new TaggingActivityInbound(ctx),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
  };
}

export function workflowSinks(spanProcessor: SpanProcessor, resource: Resource) {
  return { exporter: makeWorkflowExporter(spanProcessor, resource) };
}

/**
 * The RunActivity span with what an operator filters on: the task queue it was taken from (the
 * same activity type can be polled on several queues, cpu vs gpu, and the queue tells which
 * worker pool ran it), the activity, the attempt, and the tenant/album/photo of its input. A
 * failure is recorded by the OpenTelemetry interceptor (ERROR status, exception event); this
 * adds the failure's machine-readable code so failed spans can be grouped by it.
 */
class TaggingActivityInbound implements ActivityInboundCallsInterceptor {
  private readonly otel: OpenTelemetryActivityInboundInterceptor;
  constructor(private readonly ctx: ActivityContext) {
    this.otel = new OpenTelemetryActivityInboundInterceptor(ctx);
  }
  execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return this.otel.execute(input, async (inner) => {
      const span = trace.getActiveSpan();
      span?.setAttributes({
        [ATTR.queue]: this.ctx.info.taskQueue,
        [ATTR.activity]: this.ctx.info.activityType,
        [ATTR.attempt]: this.ctx.info.attempt,
        ...entityAttributes(inner.args[0]),
      });
      try {
        return await next(inner);
      } catch (err) {
        span?.setAttribute(ATTR.errorCode, errorCode(err));
        throw err;
      }
    });
  }
}

function errorCode(err: unknown): string {
  if (err instanceof ApplicationFailure && err.type) return err.type;
  return err instanceof Error ? err.name : 'Error';
}
