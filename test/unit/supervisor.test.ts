/** The launcher's supervision: backoff and restart limit, and stopping children however they died. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { secureDataDir } from '../../src/dev/data-dir';
import { RestartTracker, stopChild, Supervisor, waitForExit, type CrashDecision } from '../../src/dev/supervisor';

const sleeper = () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });

test('restarts back off from 0.5 s doubling to 8 s, and the sixth crash within 60 s gives up', () => {
  const t = new RestartTracker();
  const at = (s: number) => t.onCrash(1_000_000 + s * 1000);
  const delays = [0, 1, 2, 3, 4].map((s) => at(s)).map((d) => (d.action === 'restart' ? d.delayMs : -1));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000]);
  assert.deepEqual(at(5), { action: 'give-up', restarts: 5 });
});

test('the delay is capped at 8 s and crashes older than the window are forgotten', () => {
  const t = new RestartTracker({ initialDelayMs: 500, maxDelayMs: 8000, maxRestarts: 10, windowMs: 60_000 });
  let last: CrashDecision | undefined;
  for (let i = 0; i < 7; i++) last = t.onCrash(i);
  assert.deepEqual(last, { action: 'restart', delayMs: 8000, attempt: 7 });
  // A minute of calm: the next crash is treated as the first.
  assert.deepEqual(t.onCrash(61_000), { action: 'restart', delayMs: 500, attempt: 1 });
});

test('a child killed by a signal is waited for, even after its exit event has fired (npm start used to hang here)', async () => {
  const child = sleeper();
  await new Promise((r) => child.once('spawn', r));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  assert.equal(child.exitCode, null, 'a signal death leaves exitCode null');
  assert.equal(child.signalCode, 'SIGKILL');
  // Both must resolve now; neither may wait for an exit event that will never come again.
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('still waiting for a dead child')), 5000).unref());
  await Promise.race([Promise.all([waitForExit(child), stopChild(child, 60_000)]), timeout]);
});

test('stopChild sends SIGTERM and falls back to SIGKILL after the grace period', async () => {
  const stubborn = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise((r) => stubborn.stdout!.once('data', r));
  await stopChild(stubborn, 300);
  assert.equal(stubborn.signalCode, 'SIGKILL');
});

test('the supervisor restarts a crashed child, and gives up at the limit', async () => {
  const events: string[] = [];
  let gaveUp!: () => void;
  const done = new Promise<void>((r) => (gaveUp = r));
  const sup = new Supervisor(
    {
      started: (name, _c, restart) => events.push(`started ${restart}`),
      crashed: (_n, how, d) => events.push(`${how} ${d.action === 'restart' ? d.delayMs : 'give-up'}`),
      gaveUp: () => gaveUp(),
    },
    { initialDelayMs: 10, maxDelayMs: 40, maxRestarts: 3, windowMs: 60_000 },
  );
  sup.add({ name: 'crasher', start: () => spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' }) });
  await done;
  assert.deepEqual(events, ['started 0', 'exit code 3 10', 'started 1', 'exit code 3 20', 'started 2', 'exit code 3 40', 'started 3', 'exit code 3 give-up']);
  await sup.stop(1000);
});

test('stopping the supervisor stops its children and restarts nothing', async () => {
  let starts = 0;
  const sup = new Supervisor({ started: () => starts++, crashed: () => assert.fail('no crash expected'), gaveUp: () => assert.fail('no give-up expected') });
  const child = sup.add({ name: 'sleeper', start: sleeper });
  await new Promise((r) => child.once('spawn', r));
  await sup.stop(5000);
  assert.equal(child.signalCode, 'SIGTERM');
  assert.equal(starts, 1);
});

test('the data dir is created 0700, files written after are 0600, and an old world-readable dir is tightened', () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-modes-'));
  const umask = process.umask(0o022); // returns the old mask without the deprecated no-argument read
  try {
    const old = path.join(parent, 'old');
    fs.mkdirSync(path.join(old, 'logs'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(old, 'logs', 'api.log'), 'x', { mode: 0o644 });
    fs.chmodSync(old, 0o755);
    secureDataDir(old);
    assert.equal(fs.statSync(old).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(old, 'logs')).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(old, 'logs', 'api.log')).mode & 0o777, 0o600);

    const fresh = path.join(parent, 'fresh', 'data');
    secureDataDir(fresh);
    assert.equal(fs.statSync(fresh).mode & 0o777, 0o700);
    fs.writeFileSync(path.join(fresh, 'blob'), 'x'); // default mode 0666, less the umask
    assert.equal(fs.statSync(path.join(fresh, 'blob')).mode & 0o777, 0o600);
  } finally {
    process.umask(umask);
    fs.rmSync(parent, { recursive: true, force: true });
  }
});
