/**
 * Replays histories of real runs (exported with `temporal workflow show --output json`, see
 * scripts/record-histories.ts) against today's workflow code. A failure here means a workflow
 * change is not replay-safe: guard it with patched() instead of re-recording.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { workerInterceptors, workflowSinks } from '../../src/telemetry/temporal-interceptors';
import { WORKFLOWS_PATH } from '../../src/workers/roles';
import * as workflows from '../../src/workflows';
import { quietRuntime, testTelemetry } from '../helpers/stack';

const DIR = path.join(__dirname, '..', 'histories');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

test('committed histories exist for every workflow type', () => {
  const types = new Set(
    files.map((f) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')).events[0].workflowExecutionStartedEventAttributes.workflowType.name),
  );
  // Every workflow type the bundle exports needs at least one recorded history.
  const exported = Object.entries(workflows).filter(([name, v]) => typeof v === 'function' && name.endsWith('Workflow')).map(([name]) => name);
  assert.deepEqual([...types].sort(), exported.sort());
});

test('every committed history replays without nondeterminism', async () => {
  quietRuntime();
  const telemetry = testTelemetry();
  const histories = files.map((f) => ({ workflowId: f, history: JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) }));
  const results = [];
  for await (const r of Worker.runReplayHistories(
    {
      workflowsPath: WORKFLOWS_PATH,
      interceptors: workerInterceptors(),
      sinks: workflowSinks(telemetry.spanProcessor, telemetry.resource),
      replayName: 'lightbox-replay',
    },
    histories,
  )) {
    results.push(r);
  }
  assert.equal(results.length, files.length);
  for (const r of results) assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
});
