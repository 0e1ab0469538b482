/**
 * OpenTelemetry for every Lightbox process. Spans are always created and propagated (so the
 * Temporal interceptors can carry trace context API → workflow → activities); they are exported
 * only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 *
 * Held at the 1.x SDK (resources/sdk-trace-base 1.30, sdk-node 0.57): @temporalio/interceptors-
 * opentelemetry 1.24 depends on sdk-trace-base and resources ^1.25, and its makeWorkflowExporter
 * takes this module's SpanProcessor and Resource. A 2.x SDK here would mean two incompatible
 * copies (and 2.x has no `new Resource`). Upgrade together with the interceptors package.
 */
import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config';

export interface Telemetry {
  resource: Resource;
  /** Also handed to the workflow span sink, so workflow spans go where the rest go. */
  spanProcessor: SpanProcessor;
  tracer: Tracer;
  shutdown(): Promise<void>;
}

export function startTelemetry(config: Config, component: string, extraProcessor?: SpanProcessor): Telemetry {
  const resource = new Resource({
    // One name per process kind, so traces tell the API from each worker role.
    'service.name': `lightbox-${component}`,
    'service.namespace': 'lightbox',
    'lightbox.component': component,
  });
  const exporting = config.telemetry.otlpEndpoint
    ? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.telemetry.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` }))
    : new NoopSpanProcessor();
  const spanProcessors = extraProcessor ? [exporting, extraProcessor] : [exporting];
  const sdk = new NodeSDK({ resource, spanProcessors, instrumentations: [] });
  sdk.start();
  const spanProcessor = spanProcessors.length === 1 ? exporting : new FanOutSpanProcessor(spanProcessors);
  return {
    resource,
    spanProcessor,
    tracer: trace.getTracer('lightbox'),
    shutdown: () => sdk.shutdown(),
  };
}

class FanOutSpanProcessor implements SpanProcessor {
  constructor(private readonly processors: SpanProcessor[]) {}
  onStart(...args: Parameters<SpanProcessor['onStart']>) {
    for (const p of this.processors) p.onStart(...args);
  }
  onEnd(...args: Parameters<SpanProcessor['onEnd']>) {
    for (const p of this.processors) p.onEnd(...args);
  }
  async forceFlush() {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }
  async shutdown() {
    await Promise.all(this.processors.map((p) => p.shutdown()));
  }
}
