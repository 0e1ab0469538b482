/**
 * Production workflow workers load the bundle `npm run build:workflows` wrote instead of running
 * webpack at start-up; development and test workers load the current source's bundle from a cache
 * keyed by the sources. A worker process writes only JSON lines: the SDK's and the Rust core's
 * logs go through pino, with no plain-text or ANSI-coloured lines among them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { ProfileWorkflow } from '../../src/workflows';
import { TASK_QUEUES } from '../../src/shared/task-queues';
import { buildWorkflowBundle, sourcesFingerprint, workflowCodeOptions } from '../../src/workers/workflow-bundle';
import type { DevServer } from '../../temporal/dev-server';
import { quietRuntime } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';
import { startWorkerProcess } from '../helpers/worker-process';

let server: DevServer;
let dir: string;
let bundlePath: string;

before(async () => {
  quietRuntime();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-bundle-'));
  bundlePath = path.join(dir, 'workflow-bundle.js');
  [server] = await Promise.all([startTestDevServer(), buildWorkflowBundle(bundlePath)]);
});

after(async () => {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the build writes one self-contained bundle that holds every workflow and the tracing interceptors', () => {
  const code = fs.readFileSync(bundlePath, 'utf8');
  for (const name of ['AlbumWorkflow', 'ProfileWorkflow', 'ProfileReindexWorkflow', 'StyleTransferWorkflow', 'TuningReportWorkflow'])
    assert.match(code, new RegExp(name));
  assert.match(code, /interceptors-opentelemetry/);
});

test("production loads the prebuilt bundle, development and tests the current source's cached bundle, and a missing bundle is a clear error", async () => {
  const env = { LIGHTBOX_DATA_DIR: dir, LIGHTBOX_SIGNING_SECRET: 'bundle-test' };
  const dev = await workflowCodeOptions(loadConfig({ ...env, NODE_ENV: 'development' }));
  const cached = dev.workflowBundle && 'codePath' in dev.workflowBundle ? dev.workflowBundle.codePath : undefined;
  assert.ok(cached, JSON.stringify(dev));
  assert.equal(fs.readFileSync(cached, 'utf8'), fs.readFileSync(bundlePath, 'utf8'), 'the cached bundle is what the build makes of these sources');
  assert.deepEqual(dev.interceptors, { workflowModules: [] }, 'the interceptors are in the bundle, not bundled again');
  // The next worker (here a test worker) reuses it: webpack ran at most once for this source tree.
  assert.deepEqual(await workflowCodeOptions(loadConfig({ ...env, NODE_ENV: 'test' })), dev);
  assert.deepEqual((await workflowCodeOptions(loadConfig({ ...env, NODE_ENV: 'test', WORKFLOW_BUNDLE_PATH: bundlePath }))).workflowBundle, {
    codePath: bundlePath,
  });
  await assert.rejects(
    () => workflowCodeOptions(loadConfig({ ...env, NODE_ENV: 'production', WORKFLOW_BUNDLE_PATH: path.join(dir, 'missing.js') })),
    /No workflow bundle at .*missing\.js.*npm run build/,
  );
});

test('the cache key changes with any edit to the sources or to the installed packages, and only then', async () => {
  const src = path.join(dir, 'fingerprint', 'src');
  const lock = path.join(dir, 'fingerprint', 'package-lock.json');
  fs.mkdirSync(path.join(src, 'workflows'), { recursive: true });
  fs.writeFileSync(path.join(src, 'workflows', 'album.ts'), 'export const a = 1;');
  fs.writeFileSync(path.join(src, 'keys.ts'), 'export const k = 1;');
  fs.writeFileSync(lock, '{"v":1}');
  const key = () => sourcesFingerprint([src], [lock, path.join(dir, 'fingerprint', 'absent.json')]);
  const first = await key();
  assert.equal(await key(), first, 'the same sources, the same key');
  fs.writeFileSync(path.join(src, 'keys.ts'), 'export const k = 2;');
  assert.notEqual(await key(), first, 'an edit to a file the workflows import');
  fs.writeFileSync(path.join(src, 'keys.ts'), 'export const k = 1;');
  assert.equal(await key(), first, 'undoing the edit finds the earlier bundle again');
  fs.writeFileSync(path.join(src, 'workflows', 'new.ts'), '');
  assert.notEqual(await key(), first, 'a new file');
  fs.rmSync(path.join(src, 'workflows', 'new.ts'));
  fs.writeFileSync(lock, '{"v":2}');
  assert.notEqual(await key(), first, 'another install');
});

test('a workflow worker process started from the bundle runs a workflow and writes only JSON lines', async () => {
  const proc = await startWorkerProcess('workflow', {
    TEMPORAL_ADDRESS: server.address,
    LIGHTBOX_DATA_DIR: dir,
    LIGHTBOX_SIGNING_SECRET: 'bundle-test',
    WORKFLOW_BUNDLE_PATH: bundlePath,
    WORKER_SHUTDOWN_GRACE_SECONDS: '3',
    LOG_LEVEL: 'info',
    // Colour would be on if anything wrote to a terminal; the test must see it if it is there.
    FORCE_COLOR: '1',
  });
  // The workflow's one activity, on the I/O queue, stands in for the vector store.
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  const io = await Worker.create({
    connection: native,
    namespace: 'lightbox',
    taskQueue: TASK_QUEUES.io,
    activities: { deleteProfile: async () => 2 },
  });
  try {
    const client = new Client({ connection, namespace: 'lightbox' });
    const result = await io.runUntil(
      client.workflow.execute(ProfileWorkflow, {
        taskQueue: TASK_QUEUES.workflow,
        workflowId: `bundle-test-${process.pid}`,
        args: [{ op: 'delete', tenant: 'acme', userId: 'u1', collections: ['c'] }],
      }),
    );
    assert.deepEqual(result, { op: 'delete', userId: 'u1', deleted: 2 });
    proc.child.kill('SIGTERM');
    assert.equal(await proc.exited, 0, proc.output());
  } finally {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await connection.close();
    await native.close();
  }
  const lines = proc
    .output()
    .split('\n')
    .filter((l) => l.trim() !== '');
  assert.ok(lines.length >= 2, proc.output());
  for (const line of lines) {
    assert.ok(!line.includes('\u001b['), `ANSI escape in: ${line}`);
    assert.doesNotThrow(() => JSON.parse(line), `not a JSON line: ${line}`);
  }
  // Loaded, not built: webpack never ran in the worker.
  assert.doesNotMatch(proc.output(), /bundle created|webpack/i);
  assert.match(proc.output(), /"msg":"worker stopped"/);
});
