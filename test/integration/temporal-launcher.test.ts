/** The launcher finds the real CLI, persists to SQLite across restarts, and fails clearly without a binary. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { SA } from '../../src/shared/search-attributes';
import { devServerArgs } from '../../temporal/dev-server';
import { findTemporalCli, findTestServer, TemporalBinaryNotFoundError } from '../../temporal/find-cli';
import { freePort, startTestDevServer } from '../helpers/temporal';

test('binaries are found in order: explicit path, PATH, project tools', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-bin-'));
  try {
    const onPath = path.join(dir, 'temporal');
    fs.writeFileSync(onPath, '#!/bin/sh\n', { mode: 0o755 });
    assert.deepEqual(findTemporalCli({ searchPath: dir, toolsBin: '/nonexistent' }), { path: onPath, source: 'PATH' });
    assert.deepEqual(findTemporalCli({ explicitPath: onPath, searchPath: '' }), { path: onPath, source: 'explicit' });
    assert.equal(findTemporalCli({ searchPath: '', toolsBin: '/nonexistent' }), null);
    assert.equal(findTestServer({ searchPath: dir, toolsBin: '/nonexistent' }), null);
    assert.throws(
      () => findTemporalCli({ explicitPath: path.join(dir, 'missing') }),
      (e: Error) => e instanceof TemporalBinaryNotFoundError && /TEMPORAL_CLI_PATH/.test(e.message) && /install-tools\.sh/.test(e.message),
    );
    // The project's own tools folder is the fallback after PATH.
    assert.equal(findTemporalCli({ searchPath: '' })?.source, 'tools');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the dev server is launched with persistence, namespace and our search attributes', () => {
  const args = devServerArgs({ port: 7233, uiPort: 8233, namespace: 'lightbox', dbFile: '/data/t.sqlite' });
  assert.deepEqual(args.slice(0, 2), ['server', 'start-dev']);
  for (const expected of [
    ['--db-filename', '/data/t.sqlite'],
    ['--namespace', 'lightbox'],
    ['--ui-port', '8233'],
    ['--search-attribute', 'LightboxTenant=Keyword'],
  ]) {
    assert.ok(
      args.some((a, j) => a === expected[0] && args[j + 1] === expected[1]),
      `${expected.join(' ')} in ${args.join(' ')}`,
    );
  }
});

test('workflows survive a restart of the dev server (SQLite under the data dir)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-persist-'));
  const dbFile = path.join(dir, 'temporal', 'dev.sqlite');
  const port = await freePort();
  try {
    let server = await startTestDevServer({ dbFile, port });
    let connection = await Connection.connect({ address: server.address });
    let client = new Client({ connection, namespace: 'lightbox' });
    // No worker polls this queue: the workflow stays running, which is what must persist.
    await client.workflow.start('AlbumWorkflow', {
      taskQueue: 'nobody-polls-this',
      workflowId: 'persist-me',
      args: [],
      typedSearchAttributes: [{ key: SA.tenant, value: 'acme' }],
    });
    await connection.close();
    await server.stop();
    assert.ok(fs.statSync(dbFile).size > 0);

    server = await startTestDevServer({ dbFile, port });
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection, namespace: 'lightbox' });
    const description = await client.workflow.getHandle('persist-me').describe();
    assert.equal(description.status.name, 'RUNNING');
    assert.equal(description.typedSearchAttributes.get(SA.tenant), 'acme');
    await client.workflow.getHandle('persist-me').terminate('test done');
    await connection.close();
    await server.stop();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
