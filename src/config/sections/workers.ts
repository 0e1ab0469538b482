/** Worker processes: concurrency, shutdown, metrics ports, the workflow bundle. */
import { z } from 'zod';
import { optionalString, port, positiveInt } from './types';

export const workersSection = z.object({
  CPU_WORKER_CONCURRENCY: positiveInt.optional().describe('Default: CPU count. concurrent activities on a CPU worker'),
  IO_WORKER_CONCURRENCY: positiveInt.default(50).describe('concurrent activities on an I/O worker'),
  WORKFLOW_WORKER_MAX_CACHED: positiveInt.default(200).describe("workflows kept in a workflow worker's cache"),
  WORKER_SHUTDOWN_GRACE_SECONDS: positiveInt.default(30).describe('time in-flight activities get after SIGTERM'),
  WORKER_METRICS_PORT: port
    .default(9464)
    .describe(
      "a worker's metrics and probe port: `/metrics` (shared registry + SDK metrics), `/healthz`, `/readyz`; `npm start`, which runs every role on one host, gives the workflow, cpu, io and gpu workers this port +0…3",
    ),
  WORKER_METRICS_HOST: z.string().default('0.0.0.0').describe("bind address of the workers' metrics endpoint"),
  WORKFLOW_BUNDLE_PATH: optionalString.describe(
    'Default: `dist/workflow-bundle.js` in production, unset otherwise. prebuilt workflow bundle (`npm run build:workflows`) the workflow worker loads; unset outside production → a cached bundle of `src/workflows`',
  ),
  LIGHTBOX_BACKLOG_POLL_SECONDS: z.coerce
    .number()
    .min(0)
    .default(15)
    .describe("how often the API exports every task queue's backlog (DescribeTaskQueue); `0` turns it off"),
});
