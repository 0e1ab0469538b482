/**
 * The CPU worker's batch work yields the cores to the API and the workflow worker: every thread
 * of its process, and the processes it starts later, run at the lowered priority.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

/** Runs a fresh node process that calls lowerPriority, then reports its threads' and a child's nice values. */
function niceValuesAfter(start: number, nice: number): { threads: number[]; child: number } {
  const script = `
    const fs = require('node:fs');
    const os = require('node:os');
    const { execFileSync } = require('node:child_process');
    os.setPriority(0, ${start});
    for (const t of fs.readdirSync('/proc/self/task')) os.setPriority(Number(t), ${start});
    require('./src/workers/batch-priority.ts').lowerPriority(${nice}, (m) => { throw new Error(m); });
    const threads = fs.readdirSync('/proc/self/task').map((t) => os.getPriority(Number(t)));
    const child = Number(execFileSync('sh', ['-c', 'cut -d" " -f19 /proc/$$/stat']).toString().trim());
    console.log(JSON.stringify({ threads, child }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: `${__dirname}/../..` }).toString()) as {
    threads: number[];
    child: number;
  };
}

test('every thread of the process is lowered, and a process it starts later inherits the value', () => {
  const { threads, child } = niceValuesAfter(0, 10);
  assert.ok(threads.length > 1, 'node runs several threads');
  assert.deepEqual(new Set(threads), new Set([10]));
  assert.equal(child, 10);
});

test('a process already lower than asked is left where it is, never raised', () => {
  const { threads } = niceValuesAfter(15, 10);
  assert.deepEqual(new Set(threads), new Set([15]));
});
