/** Tracing export. */
import { z } from 'zod';
import { optionalString } from './types';

export const telemetrySection = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.describe('OTLP/HTTP collector; traces are exported only when set'),
});
