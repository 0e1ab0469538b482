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
import { workflowSinks } from '../../src/telemetry/temporal-interceptors';
import { quietRuntime, testTelemetry } from '../helpers/stack';
import { workflowCode } from '../helpers/temporal';

const DIR = path.join(__dirname, '..', 'histories');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

const read = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));

test('committed histories exist for every workflow type the worker registers', async () => {
  const types = new Set(files.map((f) => read(f).events[0].workflowExecutionStartedEventAttributes.workflowType.name));
  const registered = Object.entries(await import('../../src/workflows'))
    .filter(([, v]) => typeof v === 'function')
    .map(([k]) => k);
  for (const name of registered) assert.ok(types.has(name), `no history of ${name} in test/histories/`);
});

/** Patch ids a history recorded (core_patch markers carry them as base64 JSON payloads). */
const patchesOf = (history: {
  events: Array<{ markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads: Array<{ data: string }> }> } }>;
}) =>
  history.events.flatMap((e) => {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_patch') return [];
    return (m.details?.['patch-data']?.payloads ?? []).map((p) => (JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as { id: string }).id);
  });

/**
 * Every patched() change keeps a history recorded before it (which must replay down the old path)
 * and one recorded after it (which carries the marker).
 */
const PATCHES: Record<string, { before: string; after: string }> = {
  // Photos accepted while a run saved its state for continue-as-new were lost; it now saves again.
  // Both histories come from album-logic.workflow.test.ts's race (in-memory activities), exported
  // with historyToJSON, one run before the change and one after.
  'album-resave-before-continue': { before: 'album-continued-during-save-unpatched.json', after: 'album-continued-during-save.json' },
};

test('each patch has a history from before it and one from after it; no history records an unknown patch', () => {
  for (const f of files) for (const id of patchesOf(read(f))) assert.ok(id in PATCHES, `${f} records patch ${id}, which PATCHES does not list`);
  for (const [id, { before, after }] of Object.entries(PATCHES)) {
    assert.ok(!patchesOf(read(before)).includes(id), `${before} should be from before ${id}`);
    assert.ok(patchesOf(read(after)).includes(id), `${after} should record ${id}`);
  }
});

test('every committed history replays without nondeterminism', async () => {
  quietRuntime();
  const telemetry = testTelemetry();
  const histories = files.map((f) => ({ workflowId: f, history: JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) }));
  const results = [];
  for await (const r of Worker.runReplayHistories(
    {
      ...(await workflowCode()),
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
