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
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next, WorkerOptions } from '@temporalio/worker';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

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
        inbound: new QueueTaggingActivityInbound(ctx),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
  };
}

export function workflowSinks(spanProcessor: SpanProcessor, resource: Resource) {
  return { exporter: makeWorkflowExporter(spanProcessor, resource) };
}

/**
 * The RunActivity span with the task queue it was taken from: the same activity type can be
 * polled on several queues (cpu vs gpu), and the queue is what tells which worker pool ran it.
 */
class QueueTaggingActivityInbound implements ActivityInboundCallsInterceptor {
  private readonly otel: OpenTelemetryActivityInboundInterceptor;
  constructor(private readonly ctx: ActivityContext) {
    this.otel = new OpenTelemetryActivityInboundInterceptor(ctx);
  }
  execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return this.otel.execute(input, (inner) => {
      trace.getActiveSpan()?.setAttribute('lightbox.queue', this.ctx.info.taskQueue);
      return next(inner);
    });
  }
}
