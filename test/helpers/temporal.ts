/** Real Temporal servers for tests: the dev server (integration) and the time-skipping server (workflows). */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { freeLoopbackPort } from '../../src/telemetry/metrics-server';
import { SA } from '../../src/shared/search-attributes';
import { TASK_QUEUES } from '../../src/shared/task-queues';
import type { Telemetry } from '../../src/telemetry/otel';
import { workerInterceptors, workflowSinks } from '../../src/telemetry/temporal-interceptors';
import { sourceCodeOptions } from '../../src/workers/workflow-bundle';
import { startDevServer, type DevServer } from '../../temporal/dev-server';
import { ensureSearchAttributes } from '../../temporal/namespace-setup';
import { findTemporalCli, findTestServer, testingExecutable } from '../../temporal/find-cli';

/** A port nothing listens on now (the same probe the workers use for the SDK's exporter). */
export const freePort = freeLoopbackPort;

const env = loadConfig();
const search = (explicitPath?: string) => ({ explicitPath, searchPath: env.temporal.searchPath });

/** A headless, in-memory dev server with the lightbox namespace and search attributes. */
export async function startTestDevServer(opts: { dbFile?: string; port?: number } = {}): Promise<DevServer> {
  return startDevServer({
    cli: findTemporalCli(search(env.temporal.cliPath)),
    port: opts.port ?? (await freePort()),
    uiPort: await freePort(),
    namespace: 'lightbox',
    dbFile: opts.dbFile,
    headless: true,
  });
}

/** Java time-skipping server: time is global to it, so workflow test files run serially. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const testEnv = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: testingExecutable(findTestServer(search())) },
  });
  await ensureSearchAttributes(testEnv.connection, testEnv.namespace ?? 'default');
  return testEnv;
}

/**
 * Workflow code for a test's own workflow worker: the bundle of the current source, as the workflow
 * role loads it outside production (built once per change, not by every worker), with the workers'
 * interceptors.
 */
export async function workflowCode(): Promise<Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'interceptors'>> {
  const code = await sourceCodeOptions();
  return { ...code, interceptors: { ...workerInterceptors(), ...code.interceptors } };
}

/** The workflow worker as its entrypoint builds it (tracing interceptors and sinks), on a test server. */
export async function createWorkflowWorker(testEnv: TestWorkflowEnvironment, telemetry: Pick<Telemetry, 'spanProcessor' | 'resource'>): Promise<Worker> {
  return Worker.create({
    connection: testEnv.nativeConnection,
    namespace: testEnv.namespace,
    taskQueue: TASK_QUEUES.workflow,
    ...(await workflowCode()),
    sinks: workflowSinks(telemetry.spanProcessor, telemetry.resource),
  });
}

/** Runs `fn` while the workflow worker and the activity workers poll; all of them stop after it. */
export function whileWorkersRun<T>([workflows, ...rest]: Worker[], fn: () => Promise<T>): Promise<T> {
  return workflows!.runUntil(async () => {
    const running = rest.map((w) => w.run());
    try {
      return await fn();
    } finally {
      rest.forEach((w) => w.shutdown());
      await Promise.all(running);
    }
  });
}

export { SA };
