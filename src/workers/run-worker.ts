/**
 * What every worker process shares: config, telemetry, one metrics port (the shared registry and
 * the SDK's metrics together, plus /healthz and /readyz for probes), the connection,
 * interceptors, and a graceful stop on SIGTERM/SIGINT (in-flight activities get
 * WORKER_SHUTDOWN_GRACE_SECONDS to finish; unfinished ones are retried by another worker).
 */
import os from 'node:os';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import pino from 'pino';
import { loadConfig, type Config, type WorkerRole } from '../config';
import { TASK_QUEUES } from '../shared/task-queues';
import { collectProcessMetrics } from '../telemetry/metrics';
import { freeLoopbackPort, startMetricsServer } from '../telemetry/metrics-server';
import { startTelemetry, type Telemetry } from '../telemetry/otel';
import { installWorkerRuntime } from '../telemetry/sdk-logger';
import { workerInterceptors, workflowSinks } from '../telemetry/temporal-interceptors';
import { connectWorker } from '../temporal-client/connection';
import type { WorkerTuning } from './tuning';

export interface RoleSetup {
  /** Role-specific options: activities, workflowsPath, concurrency. */
  options: Partial<WorkerOptions>;
  /** Releases what the activities hold (child processes, connections) once the worker has stopped. */
  dispose?: () => Promise<void>;
}

export interface WorkerSpec {
  role: WorkerRole;
  setup: (config: Config, tuning?: WorkerTuning) => Promise<RoleSetup> | RoleSetup;
}

export interface CreatedWorker {
  worker: Worker;
  dispose: () => Promise<void>;
}

/** Builds the worker without running it (tests run workers in-process with the same wiring). */
export async function createWorker(config: Config, spec: WorkerSpec, telemetry: Telemetry, tuning?: WorkerTuning): Promise<CreatedWorker> {
  const connection = await connectWorker(config.temporal);
  const { options, dispose } = await spec.setup(config, tuning);
  const { interceptors, ...rest } = options;
  // GPU workers poll their model class's queue, which their options name.
  const taskQueue = options.taskQueue ?? (spec.role === 'gpu' ? undefined : TASK_QUEUES[spec.role]);
  if (!taskQueue) throw new Error(`A ${spec.role} worker must name its task queue`);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    identity: `${spec.role}@${process.pid}@${os.hostname()}`,
    // A role may replace parts (the workflow role drops workflowModules when its bundle has them).
    interceptors: { ...workerInterceptors(), ...interceptors },
    sinks: workflowSinks(telemetry.spanProcessor, telemetry.resource),
    shutdownGraceTime: `${config.workers.shutdownGraceSeconds}s`,
    ...rest,
    taskQueue,
  });
  return {
    worker,
    async dispose() {
      await dispose?.();
      await connection.close();
    },
  };
}

/**
 * Runs one role's workers in this process: usually one, several for a GPU node that polls more
 * than one model class (one Worker per task queue, sharing the runtime and metrics port).
 */
async function runWorker(specOrSpecs: WorkerSpec | ((config: Config) => WorkerSpec[])): Promise<void> {
  const config = loadConfig();
  const specs = typeof specOrSpecs === 'function' ? specOrSpecs(config) : [specOrSpecs];
  const spec = specs[0]!;
  const logger = pino({ level: config.logLevel, base: { component: `worker-${spec.role}` } });
  const metricsPort = config.workers.metricsPort;
  // The SDK's own exporter, proxied through metricsPort: scraped only through that, so any free port.
  const sdkPort = await freeLoopbackPort();
  // Must run before any connection exists: the runtime owns the SDK's exporter. Loopback only:
  // the metrics server below is the one scrape target.
  // SDK and core logs go through the same pino logger, so the process writes only JSON lines.
  installWorkerRuntime(logger, { prometheus: { bindAddress: `127.0.0.1:${sdkPort}`, useSecondsForDurations: true, countersTotalSuffix: true } });
  collectProcessMetrics(`worker-${spec.role}`);
  let workers: Worker[] = [];
  const metricsServer = await startMetricsServer({
    host: config.workers.metricsHost,
    port: metricsPort,
    sdkMetricsUrl: `http://127.0.0.1:${sdkPort}/metrics`,
    health: () => {
      // Every Worker of the process counts: a GPU node polling two classes is ready when both poll.
      const states: string[] = workers.length > 0 ? workers.map((w) => w.getState()) : ['STARTING'];
      return {
        live: !states.includes('FAILED'),
        ready: states.every((st) => st === 'RUNNING'),
        detail: { role: spec.role, taskQueues: workers.map((w) => w.options.taskQueue), states },
      };
    },
  });
  const telemetry = startTelemetry(config, `worker-${spec.role}`);
  const created = await Promise.all(specs.map((s) => createWorker(config, s, telemetry)));
  workers = created.map((c) => c.worker);
  const taskQueues = created.map((c) => c.worker.options.taskQueue);
  logger.info({ taskQueues, metricsPort, namespace: config.temporal.namespace }, 'worker started');
  try {
    // One stop signal stops them all (the SDK's shutdown hooks reach every Worker in the process).
    await Promise.all(created.map((c) => c.worker.run()));
  } finally {
    for (const c of created) await c.dispose();
    await telemetry.shutdown();
    await metricsServer.close();
  }
  logger.info('worker stopped');
}

export function main(spec: WorkerSpec | ((config: Config) => WorkerSpec[])): void {
  runWorker(spec).catch((err: unknown) => {
    // JSON like every other line the worker writes.
    pino({ base: { component: 'worker' } }).fatal({ err }, 'worker failed');
    process.exit(1);
  });
}
