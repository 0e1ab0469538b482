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
import type { WorkerOptions } from '@temporalio/worker';
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
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
  };
}

export function workflowSinks(spanProcessor: SpanProcessor, resource: Resource) {
  return { exporter: makeWorkflowExporter(spanProcessor, resource) };
}
