/**
 * A worker as production runs it: its own process, from its entrypoint, configured only by the
 * environment. Its one metrics port serves the shared registry and the SDK's metrics and answers
 * the Kubernetes probes; it stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { GPU_QUEUES } from '../../src/shared/task-queues';
import type { DevServer } from '../../temporal/dev-server';
import { startTestDevServer } from '../helpers/temporal';
import { startWorkerProcess } from '../helpers/worker-process';
import { waitFor } from '../helpers/stack';

let server: DevServer;
let dataDir: string;

before(async () => {
  server = await startTestDevServer();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-proc-'));
});

after(async () => {
  await server?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

for (const role of ['cpu', 'gpu'] as const) {
  test(`the ${role} worker process serves SDK metrics and exits 0 on SIGTERM`, async () => {
    const { child, metricsPort, output, exited } = await startWorkerProcess(role, {
      TEMPORAL_ADDRESS: server.address,
      LIGHTBOX_DATA_DIR: dataDir,
      LIGHTBOX_SIGNING_SECRET: 'proc-test-secret',
      WORKER_SHUTDOWN_GRACE_SECONDS: '3',
    });
    // The CPU worker polls its pool's queue; a GPU process polls each model class's queue (GPU_WORKER_CLASSES defaults to both).
    const queues = role === 'gpu' ? Object.values(GPU_QUEUES) : [`lightbox-${role}`];
    try {
      const metrics = await waitFor(
        () =>
          fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
            (r) => r.text(),
            () => '',
          ),
        (text) => /temporal_/.test(text) && /task_queue="lightbox-/.test(text),
        30_000,
      );
      assert.match(metrics, new RegExp(`task_queue="${queues[0]}"`));
      // One port for both: the shared registry (process metrics, labelled with the worker) and the SDK's.
      assert.match(metrics, new RegExp(`lightbox_process_cpu_seconds_total\\{component="worker-${role}"\\}`));
      for (const queue of queues) {
        await waitFor(
          () =>
            fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
              (r) => r.text(),
              () => '',
            ),
          (text) => text.includes(`task_queue="${queue}"`),
          30_000,
        );
      }
      const probe = async (p: string) => {
        const res = await fetch(`http://127.0.0.1:${metricsPort}${p}`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const running = queues.map(() => 'RUNNING');
      assert.deepEqual(await probe('/healthz'), { status: 200, body: { status: 'ok', role, taskQueues: queues, states: running } });
      assert.deepEqual(await probe('/readyz'), { status: 200, body: { status: 'ready', role, taskQueues: queues, states: running } });
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output());
      assert.match(output(), /"msg":"worker stopped"/);
      // SDK and core logs go through pino too: nothing but JSON lines, no colour codes.
      for (const line of output()
        .split('\n')
        .filter((l) => l.trim() !== '')) {
        assert.ok(!line.includes('\u001b['), `ANSI escape in: ${line}`);
        assert.doesNotThrow(() => JSON.parse(line), `not a JSON line: ${line}`);
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
}
