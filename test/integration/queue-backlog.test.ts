/**
 * The backlog collector against a real dev server: a task nobody polls shows up in the gauges
 * with its queue and type, the queue list comes from ALL_TASK_QUEUES by default, and a failing
 * DescribeTaskQueue is counted rather than thrown.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { Gauge } from 'prom-client';
import { ALL_TASK_QUEUES } from '../../src/shared/task-queues';
import { registry, taskQueueBacklog, taskQueuePollers, taskQueueStatsErrors } from '../../src/telemetry/metrics';
import { startBacklogCollector } from '../../src/telemetry/queue-backlog';
import type { DevServer } from '../../temporal/dev-server';
import { waitFor } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';

let server: DevServer;
let connection: Connection;

before(async () => {
  server = await startTestDevServer();
  connection = await Connection.connect({ address: server.address });
});

after(async () => {
  await connection?.close();
  await server?.stop();
});

async function value(gauge: Gauge<string>, labels: Record<string, string>): Promise<number | undefined> {
  const { values } = await gauge.get();
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

test('a workflow task nobody polls is a backlog of 1 with no pollers on its queue', async () => {
  const taskQueue = `backlog-test-${crypto.randomUUID()}`;
  const client = new Client({ connection, namespace: 'lightbox' });
  // No worker polls this queue, so its first workflow task waits.
  await client.workflow.start('NobodyRunsThis', { taskQueue, workflowId: `wf-${crypto.randomUUID()}`, args: [] });
  const collector = startBacklogCollector({
    workflowService: connection.workflowService,
    namespace: 'lightbox',
    intervalMs: 60_000,
    queues: () => [taskQueue],
  });
  try {
    const labels = { task_queue: taskQueue, task_type: 'workflow' };
    // The server's stats are approximate and refreshed asynchronously.
    const backlog = await waitFor(
      async () => {
        await collector.collect();
        return value(taskQueueBacklog, labels);
      },
      (v) => v === 1,
      30_000,
    );
    assert.equal(backlog, 1);
    assert.equal(await value(taskQueuePollers, labels), 0);
    assert.equal(await value(taskQueueBacklog, { task_queue: taskQueue, task_type: 'activity' }), 0);
    assert.match(await registry.metrics(), new RegExp(`lightbox_task_queue_backlog_age_seconds\\{task_queue="${taskQueue}",task_type="workflow"\\} [0-9.e-]+`));
  } finally {
    collector.stop();
  }
});

test('by default every queue in ALL_TASK_QUEUES (the GPU class queues too) is asked for, both task types', async () => {
  const collector = startBacklogCollector({ workflowService: connection.workflowService, namespace: 'lightbox', intervalMs: 60_000 });
  try {
    await collector.collect();
    for (const q of ALL_TASK_QUEUES) {
      for (const type of ['workflow', 'activity']) {
        assert.equal(await value(taskQueueBacklog, { task_queue: q, task_type: type }), 0, `${q} ${type}`);
      }
    }
  } finally {
    collector.stop();
  }
});

test('a failing DescribeTaskQueue is counted and reported, not thrown', async () => {
  const failures: string[] = [];
  const before = (await value(taskQueueStatsErrors as unknown as Gauge<string>, { task_queue: 'lightbox-cpu' })) ?? 0;
  const collector = startBacklogCollector({
    workflowService: connection.workflowService,
    namespace: 'no-such-namespace',
    intervalMs: 60_000,
    queues: () => ['lightbox-cpu'],
    onError: (err, q) => failures.push(`${q}: ${err.message}`),
  });
  try {
    await collector.collect();
    const after = (await value(taskQueueStatsErrors as unknown as Gauge<string>, { task_queue: 'lightbox-cpu' })) ?? 0;
    // Two task types per queue, per round; the first round started with the collector.
    assert.ok(after - before >= 2, `errors counted: ${before} → ${after}`);
    assert.ok(
      failures.some((f) => /lightbox-cpu: .*no-such-namespace/i.test(f)),
      failures.join('\n'),
    );
  } finally {
    collector.stop();
  }
});
