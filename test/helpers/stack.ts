/**
 * The whole Lightbox stack in the test process: real workers for every queue (same specs as the
 * worker entrypoints), the real Express app on an ephemeral port, a local blob store in a temp
 * dir, all against a real Temporal server.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import pino from 'pino';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createApp, type ApiTuning } from '../../src/api/app';
import type { WorkerTuning } from '../../src/workers/tuning';
import { createTextServices } from '../../src/api/services/text-services';
import type { ModeratorOptions } from '../../src/moderation/chat-moderator';
import { answerClientErrors } from '../../src/api/errors';
import { loadConfig, type Config } from '../../src/config';
import { startTelemetry, type Telemetry } from '../../src/telemetry/otel';
import { connectClient } from '../../src/temporal-client/connection';
import { blobStoreFromConfig } from '../../src/storage/from-config';
import { cpuWorker, gpuWorkerSpecs, ioWorker, workflowWorker } from '../../src/workers/roles';
import { createWorker, type WorkerSpec } from '../../src/workers/run-worker';
import type { BlobStore } from '../../src/storage/blob-store';
import { startTestDevServer } from './temporal';

export const TENANT_A = { tenant: 'acme', key: 'test-key-acme-0123456789' };
export const TENANT_B = { tenant: 'globex', key: 'test-key-globex-0123456789' };

export interface Stack {
  config: Config;
  client: Client;
  baseUrl: string;
  store: BlobStore;
  workers: Worker[];
  stop(): Promise<void>;
}

let telemetry: (Telemetry & { spans?: InMemorySpanExporter }) | undefined;

/**
 * One telemetry setup per test process, exporting nowhere, wired like production. With
 * `memory: true` every finished span, workflow spans from the sink included, is also kept in
 * `spans`; ask for it before startStack, since the global tracer provider is set once.
 */
export function testTelemetry(opts: { memory: true }): Telemetry & { spans: InMemorySpanExporter };
export function testTelemetry(opts?: { memory?: boolean }): Telemetry & { spans?: InMemorySpanExporter };
export function testTelemetry(opts: { memory?: boolean } = {}): Telemetry & { spans?: InMemorySpanExporter } {
  if (!telemetry) {
    const spans = opts.memory ? new InMemorySpanExporter() : undefined;
    telemetry = {
      ...startTelemetry(loadConfig({ NODE_ENV: 'test' }), 'test', spans && new SimpleSpanProcessor(spans)),
      spans,
    };
  } else if (opts.memory && !telemetry.spans) {
    throw new Error('testTelemetry({ memory: true }) must come before anything else starts telemetry in this process');
  }
  return telemetry;
}

/** Worker lifecycle chatter drowns test output; warnings and errors still show. */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed in this process
  }
}

/** Every role's workers, as the entrypoints run them (the GPU node polls each model class's queue). */
export const allWorkerSpecs = (config: Config): WorkerSpec[] => [workflowWorker, cpuWorker, ioWorker, ...gpuWorkerSpecs(config)];

export async function startStack(
  temporalAddress: string,
  env: Record<string, string> = {},
  logs?: string[],
  opts: {
    specs?: (config: Config) => WorkerSpec[];
    moderator?: Partial<ModeratorOptions>;
    /** Stand-in endpoints and shorter GPU work for the workers (WorkerTuning). */
    workers?: WorkerTuning;
    /** Shorter GPU timeouts, smaller albums and requests for the API (ApiTuning). */
    api?: ApiTuning;
  } = {},
): Promise<Stack> {
  quietRuntime();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-test-'));
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const config = loadConfig({
    NODE_ENV: 'test',
    LIGHTBOX_DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: temporalAddress,
    LIGHTBOX_API_KEYS: `${TENANT_A.key}:${TENANT_A.tenant},${TENANT_B.key}:${TENANT_B.tenant}`,
    LIGHTBOX_SIGNING_SECRET: 'test-signing-secret',
    LIGHTBOX_PUBLIC_URL: `http://127.0.0.1:${port}`,
    CPU_WORKER_CONCURRENCY: '2',
    // Tests close their albums explicitly; waiting for more uploads only slows them down.
    LIGHTBOX_ALBUM_SETTLE_SECONDS: '0',
    WORKER_SHUTDOWN_GRACE_SECONDS: '2',
    ...env,
  });
  const created = await Promise.all((opts.specs ?? allWorkerSpecs)(config).map((spec) => createWorker(config, spec, testTelemetry(), opts.workers)));
  const workers = created.map((c) => c.worker);
  const running = workers.map((w) => w.run());
  const client = await connectClient(config.temporal);
  const store = blobStoreFromConfig(config);
  const app = createApp({
    config,
    text: createTextServices(config, { moderator: opts.moderator }),
    tuning: opts.api,
    client,
    store,
    apiKeys: new Map([
      [TENANT_A.key, TENANT_A.tenant],
      [TENANT_B.key, TENANT_B.tenant],
    ]),
    signingSecret: 'test-signing-secret',
    logger: logs ? pino({ level: 'info' }, { write: (line: string) => void logs.push(line) }) : pino({ level: 'silent' }),
  });
  server.on('request', app);
  answerClientErrors(server);
  return {
    config,
    baseUrl: `http://127.0.0.1:${port}`,
    client,
    store,
    workers,
    async stop() {
      await new Promise<void>((r) => server.close(() => r()));
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
      await Promise.all(created.map((c) => c.dispose()));
      await client.connection.close();
      // Its own temp dir only: a stack given another's LIGHTBOX_DATA_DIR leaves that to its owner.
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch with an API key and JSON handling; returns status, headers and parsed body. */
export async function call(
  baseUrl: string,
  key: string | undefined,
  method: string,
  p: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const isForm = body instanceof FormData;
  const res = await fetch(`${baseUrl}${p}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined && !isForm ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function waitFor<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * For a test file: a fresh dev server and the whole stack on it, started before its tests and
 * stopped after them. Read `.stack` inside tests (it exists once `before` has run).
 */
export function useStackOnDevServer(env: Record<string, string> = {}, logs?: string[], api?: ApiTuning): { readonly stack: Stack } {
  let server: Awaited<ReturnType<typeof startTestDevServer>> | undefined;
  let stack: Stack | undefined;
  before(async () => {
    server = await startTestDevServer();
    stack = await startStack(server.address, env, logs, { api });
  });
  after(async () => {
    await stack?.stop();
    await server?.stop();
  });
  return {
    get stack() {
      if (!stack) throw new Error('the stack starts in before(): use it inside tests');
      return stack;
    },
  };
}
