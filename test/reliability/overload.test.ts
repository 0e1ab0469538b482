/**
 * Overload, bounded: 100 clients upload 10 photos each (one multipart request each) into one
 * tenant's event album at once, while 20 pollers read its status and another tenant runs a small
 * album. The API runs as its own process (the launcher), so its RSS is its own. Admission limits
 * are low enough that most uploads are first refused: each refusal must come at once with
 * Retry-After, and the client's retry (same Idempotency-Key) must add nothing twice. Printed as a
 * table; only correctness is asserted (no loss, no duplicate, no 5xx, the RSS bound, fairness).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { scene } from '../../src/dev/demo-photos';
import { startLauncher, type Launcher } from '../helpers/launcher';
import { call, TENANT_A, TENANT_B, waitFor } from '../helpers/stack';
import { multipart, raw } from './http-raw';

const CLIENTS = 100;
const PER_CLIENT = 10;
const POLLERS = 20;
const PER_TENANT = 8;
const GLOBAL = 12;
/** The stated bound on the API's RSS under this load (docs/reliability.md). */
const RSS_BOUND_MB = 400;

let launcher: Launcher;
let photos: Buffer[] = [];
const table: Record<string, string | number>[] = [];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};
const rssMb = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

before(async () => {
  // Small and unique per client (a salt after the JPEG end marker): no cache hit hides the work.
  photos = await Promise.all(Array.from({ length: PER_CLIENT }, (_, i) => scene(48, 36, i + 1)));
  launcher = await startLauncher({
    env: {
      LIGHTBOX_MAX_UPLOADS_PER_TENANT: String(PER_TENANT),
      LIGHTBOX_MAX_UPLOADS_IN_FLIGHT: String(GLOBAL),
      LIGHTBOX_MODEL_SET: 'test',
      LIGHTBOX_PHOTO_BATCH_SIZE: '16',
    },
  });
  await launcher.waitForOutput(/API ready/, 240_000);
});

after(async () => {
  await launcher?.stop();
  if (table.length) {
    console.log(`\noverload (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; not asserted except as noted):`);
    console.table(table);
  }
});

/** The API's last logged 5xx causes, for an assertion message. */
const serverErrors = () =>
  fs
    .readFileSync(path.join(launcher.dataDir, 'logs', 'api.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('request failed'))
    .slice(-2)
    .join('\n')
    .slice(0, 4000);

/** Creates an album as a client would: a 503 (a workflow not started in time) is retried. */
async function createAlbum(tenantKey: string, title: string): Promise<{ albumId: string }> {
  const created = await waitFor(
    () => call(launcher.baseUrl, tenantKey, 'POST', '/v1/albums', { title }, { 'idempotency-key': `create-${title}` }),
    (r) => r.status !== 503,
  );
  assert.equal(created.status, 201, `${JSON.stringify(created.body)}\n${serverErrors()}`);
  return created.body;
}

async function smallAlbum(tenantKey: string, title: string): Promise<number> {
  const A = (m: string, p: string, b?: unknown) => call(launcher.baseUrl, tenantKey, m, p, b);
  const started = Date.now();
  const album = await createAlbum(tenantKey, title);
  const m = multipart(photos.slice(0, 4).map((data, i) => ({ filename: `${title}-${i}.jpg`, data: Buffer.concat([data, Buffer.from(title)]) })));
  for (;;) {
    const r = await raw(
      launcher.baseUrl,
      'POST',
      `/v1/albums/${album.albumId}/photos`,
      { authorization: `Bearer ${tenantKey}`, 'content-type': m.contentType },
      m.body,
    );
    if (r.status === 202) break;
    assert.ok(r.status === 429 || r.status === 503, `${r.status} ${r.text}`);
    await new Promise((res) => setTimeout(res, 1000 * Number(r.headers['retry-after'] ?? 1)));
  }
  await A('POST', `/v1/albums/${album.albumId}/close`);
  await waitFor(
    () => A('GET', `/v1/albums/${album.albumId}`),
    (r) => r.body.status === 'completed',
    300_000,
  );
  return Date.now() - started;
}

test('100 clients × 10 photos + 20 pollers: refusals answered at once with Retry-After, every accepted photo analysed exactly once, RSS bounded, the other tenant served fairly', async () => {
  const apiPid = launcher.pidOf('api');
  const alone = await smallAlbum(TENANT_B.key, 'alone');

  const A = (m: string, p: string, b?: unknown) => call(launcher.baseUrl, TENANT_A.key, m, p, b);
  const event = await createAlbum(TENANT_A.key, 'event');
  let peakRss = rssMb(apiPid, 'VmRSS');
  const baseRss = peakRss;
  let loading = true;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(apiPid, 'VmRSS'))), 100);

  const statuses = new Map<number, number>();
  const pollStatuses = new Map<number, number>();
  const refusalMs: number[] = [];
  const acceptMs: number[] = [];
  const pollMs: number[] = [];
  const accepted = new Set<string>();
  let acceptedTotal = 0;
  const started = Date.now();

  const client = async (c: number) => {
    const m = multipart(photos.map((data, i) => ({ filename: `c${c}-p${i}.jpg`, data: Buffer.concat([data, Buffer.from(`client ${c}`)]) })));
    for (;;) {
      const t0 = performance.now();
      const r = await raw(
        launcher.baseUrl,
        'POST',
        `/v1/albums/${event.albumId}/photos`,
        { authorization: `Bearer ${TENANT_A.key}`, 'content-type': m.contentType, 'idempotency-key': `load-${c}` },
        m.body,
      );
      const ms = performance.now() - t0;
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 202) {
        acceptMs.push(ms);
        for (const a of r.body.accepted) accepted.add(a.photoId);
        acceptedTotal += r.body.accepted.length;
        return;
      }
      assert.ok(r.status === 429 || r.status === 503, `client ${c}: ${r.status} ${r.text.slice(0, 200)}\n${serverErrors()}`);
      assert.ok(Number(r.headers['retry-after']) > 0, 'a refusal says when to retry');
      refusalMs.push(ms);
      await new Promise((res) => setTimeout(res, 1000 * Number(r.headers['retry-after']) * (0.5 + Math.random())));
    }
  };
  const poller = async () => {
    while (loading) {
      const t0 = performance.now();
      const r = await raw(launcher.baseUrl, 'GET', `/v1/albums/${event.albumId}`, { authorization: `Bearer ${TENANT_A.key}` });
      pollMs.push(performance.now() - t0);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      pollStatuses.set(r.status, (pollStatuses.get(r.status) ?? 0) + 1);
      // A status read that Temporal could not answer in time is a 503 with Retry-After: wait that long.
      assert.ok(r.status === 200 || (r.status === 503 && Number(r.headers['retry-after']) > 0), `${r.status} ${r.text}\n${serverErrors()}`);
      await new Promise((res) => setTimeout(res, r.status === 503 ? 1000 * Number(r.headers['retry-after']) : 1000));
    }
  };

  const polling = Array.from({ length: POLLERS }, poller);
  const uploads = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  // The other tenant's small album starts with the load.
  const underLoad = smallAlbum(TENANT_B.key, 'under-load');
  await uploads;
  const uploadedMs = Date.now() - started;
  await A('POST', `/v1/albums/${event.albumId}/close`);
  const fair = await underLoad;
  const done = await waitFor(
    () => A('GET', `/v1/albums/${event.albumId}`),
    (r) => r.body.status === 'completed',
    600_000,
  );
  const analysedMs = Date.now() - started;
  loading = false;
  await Promise.all(polling);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, rssMb(apiPid, 'VmHWM'));

  const n = CLIENTS * PER_CLIENT;
  assert.equal(acceptedTotal, n, 'every photo accepted once its client got in');
  assert.equal(accepted.size, n, 'no photo accepted twice');
  assert.deepEqual(
    { total: done.body.counts.total, analyzed: done.body.counts.analyzed, failed: done.body.counts.failed },
    { total: n, analyzed: n, failed: 0 },
  );
  const names = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = (await A('GET', `/v1/albums/${event.albumId}/results?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).body;
    for (const p of Object.values<any>(page.photos)) names.add(p.name);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  assert.equal(names.size, n, 'every photo in the results, once');
  assert.ok(![...statuses.keys()].some((s) => s >= 500 && s !== 503), `no 5xx but a 503 refusal: ${JSON.stringify([...statuses])}`);
  assert.ok(peakRss < RSS_BOUND_MB, `API peak RSS ${peakRss.toFixed(0)} MB under the stated ${RSS_BOUND_MB} MB`);

  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  table.push(
    { measure: 'clients × photos (one request each)', value: `${CLIENTS} × ${PER_CLIENT}; ${POLLERS} pollers` },
    { measure: 'limits (per tenant / global)', value: `${PER_TENANT} / ${GLOBAL}` },
    {
      measure: 'upload requests: 202 / 429 / 503',
      value: `${statuses.get(202) ?? 0} / ${statuses.get(429) ?? 0} / ${(statuses.get(503) ?? 0) - (pollStatuses.get(503) ?? 0)}`,
    },
    { measure: 'refusal latency p95 / p99', value: `${pct(refusalMs, 95).toFixed(0)} / ${pct(refusalMs, 99).toFixed(0)} ms` },
    { measure: 'accepted upload latency p95 / p99', value: `${pct(acceptMs, 95).toFixed(0)} / ${pct(acceptMs, 99).toFixed(0)} ms` },
    {
      measure: 'status polls: 200 / 503, latency p95 / p99',
      value: `${pollStatuses.get(200) ?? 0} / ${pollStatuses.get(503) ?? 0}, ${pct(pollMs, 95).toFixed(0)} / ${pct(pollMs, 99).toFixed(0)} ms`,
    },
    { measure: 'all 1000 photos accepted after', value: `${s(uploadedMs)} (${(n / (uploadedMs / 1000)).toFixed(0)} photos/s)` },
    { measure: 'all analysed after', value: `${s(analysedMs)} (${(n / (analysedMs / 1000)).toFixed(1)} photos/s)` },
    { measure: 'API RSS base → peak (bound)', value: `${baseRss.toFixed(0)} → ${peakRss.toFixed(0)} MB (${RSS_BOUND_MB} MB)` },
    { measure: 'other tenant, 4-photo album: alone / under load', value: `${s(alone)} / ${s(fair)} (${(fair / alone).toFixed(2)}×, bound 2×)` },
  );
  assert.ok(fair <= 2 * alone, `the other tenant's album took ${s(fair)} under load, ${s(alone)} alone`);
});
