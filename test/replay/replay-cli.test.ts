/**
 * `npm run replay`: one run's history against this checkout's workflow code, with a verdict an
 * operator can act on and an exit code CI can. The server path (a workflow id) shares everything
 * after fetchHistory() with the file path tested here.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../scripts/replay';

const HISTORY = path.join(__dirname, '..', 'histories', 'profile-upsert.json');

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(args, (line) => lines.push(line));
  return { code, out: lines.join('\n') };
}

test('an exported history that matches the code replays: exit 0 and a verdict naming the workflow type', async () => {
  const { code, out } = await run([HISTORY]);
  assert.equal(code, 0, out);
  assert.match(out, /✓ .*profile-upsert\.json \(ProfileWorkflow, \d+ events\) replays deterministically/);
});

test('a history the code no longer produces is reported as non-deterministic with the reason, exit 1', async () => {
  const history = JSON.parse(fs.readFileSync(HISTORY, 'utf8'));
  // What a renamed activity in the workflow code looks like from the history's side.
  const scheduled = history.events.find((e: any) => e.activityTaskScheduledEventAttributes).activityTaskScheduledEventAttributes;
  const original = scheduled.activityType.name;
  scheduled.activityType.name = 'renamedActivity';
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'replay-')), 'changed.json');
  fs.writeFileSync(file, JSON.stringify(history));
  const { code, out } = await run([file]);
  assert.equal(code, 1, out);
  assert.match(out, /NON-DETERMINISTIC/);
  assert.ok(out.includes('renamedActivity') && out.includes(original), out);
});

test('an unreadable file or no argument is a usage failure (exit 2), not a verdict', async () => {
  assert.equal((await run([path.join(os.tmpdir(), 'no-such-history.json')])).code, 2);
  const usage = await run([]);
  assert.equal(usage.code, 2);
  assert.match(usage.out, /usage: npm run replay/);
});
