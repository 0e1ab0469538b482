/**
 * `npm start` as an operator meets it: a worker killed by a signal is restarted, Ctrl-C stops the
 * whole stack and frees the Temporal port (it used to hang, leaving the server behind), a dev
 * server left on the port is named instead of being reported ready, and the data dir is owner-only.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { photosForm, scene } from '../../src/dev/demo-photos';
import { portInUse } from '../../temporal/dev-server';
import { pidAlive, startLauncher, type Launcher } from '../helpers/launcher';
import { call, TENANT_A, waitFor } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';

const mode = (p: string) => fs.statSync(p).mode & 0o777;

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

test('a killed worker is restarted; Ctrl-C stops everything and frees the Temporal port; the data dir is owner-only', async () => {
  const launcher = await startLauncher();
  try {
    await launcher.waitForOutput(/API ready/, 180_000);
    const first = launcher.pidOf('worker-io');
    const mark = launcher.output().length;
    process.kill(first, 'SIGKILL');
    await launcher.waitForOutput(/worker-io killed by SIGKILL; restarting in 0\.5 s \(restart 1, at most 5 restarts in 60 s\)/, 30_000, mark);
    await launcher.waitForOutput(/worker-io restarted \(restart 1\), pid \d+/, 30_000, mark);
    const second = launcher.pidOf('worker-io');
    assert.notEqual(second, first);
    assert.ok(pidAlive(second));
    assert.ok(!/stopping/.test(launcher.output()), 'one crashed worker must not take the stack down');

    // Something in every kind of file the stack writes: a blob, the SQLite file, the logs.
    const A = (method: string, p: string, body?: unknown) => call(launcher.baseUrl, TENANT_A.key, method, p, body);
    // Retried on 503 as a client would: the restarted stack may still be warming its workflow worker.
    const created = await waitFor(
      () => A('POST', '/v1/albums', { title: 'Modes' }),
      (r) => r.status !== 503,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { albumId } = created.body;
    const upload = await A('POST', `/v1/albums/${albumId}/photos`, photosForm([{ name: 'a.jpg', contentType: 'image/jpeg', data: await scene(64, 48) }]));
    assert.equal(upload.body.accepted?.length, 1, JSON.stringify(upload.body));
    assert.equal(mode(launcher.dataDir), 0o700);
    const files = filesUnder(launcher.dataDir);
    for (const kind of [/dev-server\.sqlite$/, /logs\/worker-io\.log$/, /blobs\//])
      assert.ok(
        files.some((f) => kind.test(f)),
        `no file like ${kind} in ${files.join(', ')}`,
      );
    const open = files.filter((f) => mode(f) & 0o077);
    assert.deepEqual(open, [], 'files readable by group or others');

    const children = ['worker-workflow', 'worker-cpu', 'worker-io', 'worker-gpu', 'api', 'Temporal'].map((n) => launcher.pidOf(n));
    const code = await launcher.stop({ keepDataDir: true });
    assert.equal(code, 0, launcher.output());
    assert.match(launcher.output(), /\[lightbox\] stopped/);
    assert.deepEqual(children.filter(pidAlive), [], 'children left running');
    assert.equal(await portInUse('127.0.0.1', launcher.temporalPort), false, 'the Temporal port is still taken');
    assert.ok(!fs.existsSync(path.join(launcher.dataDir, 'temporal', 'dev-server.pid')), 'pid file left behind');
  } finally {
    await launcher.stop();
  }
});

/** How a launcher facing a taken port ends up: refusing (exit 1), or (the old bug) running against the stale server. */
const refusedOrReady = (l: Launcher) =>
  Promise.race([
    l.exited.then((code) => `exit code ${code}`),
    l.waitForOutput(/Temporal ready/, 120_000).then(
      () => 'reported Temporal ready',
      () => 'exited',
    ),
  ]);

test('a dev server left on the port is detected, not reported ready', async () => {
  const stale = await startTestDevServer();
  const port = Number(stale.address.split(':')[1]);
  try {
    // Not one this data dir knows: the port is named.
    const other = await startLauncher({ temporalPort: port });
    assert.equal(await refusedOrReady(other), 'exit code 1');
    await other.stop();
    assert.match(other.output(), new RegExp(`127\\.0\\.0\\.1:${port} is already in use by a process this launcher did not start`));
    assert.doesNotMatch(other.output(), /Temporal ready/);

    // One this data dir started (its pid file says so), as after a killed launcher: named with its pid.
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-stale-'));
    try {
      const dataDir = path.join(parent, 'data');
      fs.mkdirSync(path.join(dataDir, 'temporal'), { recursive: true });
      fs.writeFileSync(path.join(dataDir, 'temporal', 'dev-server.pid'), `${stale.pid}\n`);
      const again = await startLauncher({ temporalPort: port, dataDir });
      assert.equal(await refusedOrReady(again), 'exit code 1');
      await again.stop();
      assert.match(again.output(), new RegExp(`started earlier \\(pid ${stale.pid}`));
      assert.match(again.output(), new RegExp(`kill ${stale.pid}`));
      assert.doesNotMatch(again.output(), /Temporal ready/);
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  } finally {
    await stale.stop();
  }
});
