/**
 * schemathesis over the OpenAPI document, bounded (a fixed seed and a few examples per
 * operation): fails on any 5xx and on any response that does not match its documented schema.
 * Installed by `npm run setup` (scripts/install-tools.sh) into .tools/schemathesis.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TENANT_A, useStackOnDevServer } from '../helpers/stack';

const TOOL = path.resolve('.tools/schemathesis');
const running = useStackOnDevServer();

test('schemathesis: no 5xx and no response-schema violation', { timeout: 600_000 }, async () => {
  assert.ok(fs.existsSync(path.join(TOOL, 'bin', 'st')), 'schemathesis is missing: run `npm run setup` (scripts/install-tools.sh)');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-st-'));
  const har = path.join(out, 'run.har');
  const args = [
    'run',
    `${running.stack.baseUrl}/v1/openapi.json`,
    '--checks',
    'not_a_server_error,response_schema_conformance',
    '--max-examples',
    '30',
    // A bounded run: Hypothesis' data-generation health checks are about test efficiency, not the API.
    '--suppress-health-check',
    'all',
    '--phases',
    'examples,fuzzing',
    '--seed',
    '20261201',
    '--workers',
    '1',
    '--request-timeout',
    '30',
    '--header',
    `Authorization: Bearer ${TENANT_A.key}`,
    '--report',
    'har',
    '--report-har-path',
    har,
  ];
  const log: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(path.join(TOOL, 'bin', 'st'), args, { env: { ...process.env, PYTHONPATH: TOOL, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => log.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => log.push(d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  const entries: Array<{ request: { method: string; url: string }; response: { status: number } }> = fs.existsSync(har)
    ? JSON.parse(fs.readFileSync(har, 'utf8')).log.entries
    : [];
  const fiveXx = entries.filter((e) => e.response.status >= 500);
  console.log(`schemathesis: ${entries.length} requests, ${fiveXx.length} 5xx, exit ${code}`);
  for (const e of fiveXx.slice(0, 10)) console.log(`  5xx: ${e.response.status} ${e.request.method} ${e.request.url}`);
  fs.rmSync(out, { recursive: true, force: true });
  assert.ok(entries.length > 0, 'schemathesis sent requests');
  assert.equal(fiveXx.length, 0);
  assert.equal(code, 0, log.join('').slice(-6000));
});
