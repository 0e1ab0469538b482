/**
 * One album through the real API, workers and dev server, read back from the spans the way an
 * operator would read it in a trace viewer: which request's trace holds the workflow and each
 * activity, on which queue, and what a bad photo looks like there.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ApiError, errorHandler, notFoundHandler } from '../../src/api/errors';
import { requestTracing } from '../../src/api/tracing';
import { scene, photosForm } from '../../src/dev/demo-photos';
import { call, TENANT_A, testTelemetry, waitFor, useStackOnDevServer } from '../helpers/stack';

// Before startStack: the global tracer provider is registered once per process.
const telemetry = testTelemetry({ memory: true });
const running = useStackOnDevServer();

const A = (method: string, p: string, body?: unknown, headers?: Record<string, string>) => call(running.stack.baseUrl, TENANT_A.key, method, p, body, headers);

const form = photosForm;

const idOf = (s: ReadableSpan) => s.spanContext().spanId;
const traceOf = (s: ReadableSpan) => s.spanContext().traceId;

/**
 * The spans as an indented tree, for failure messages: enough to see what hangs where. Keyed by
 * trace as well as span id: workflow-side span ids come from the workflow's deterministic random
 * source and do repeat across traces (a query's span can share its id with an activity's).
 */
function dump(spans: ReadableSpan[]): string {
  const key = (traceId: string, spanId: string) => `${traceId}/${spanId}`;
  const ids = new Set(spans.map((s) => key(traceOf(s), idOf(s))));
  const children = new Map<string, ReadableSpan[]>();
  for (const s of spans) {
    const parent = s.parentSpanId && key(traceOf(s), s.parentSpanId);
    const k = parent && ids.has(parent) ? parent : 'root';
    children.set(k, [...(children.get(k) ?? []), s]);
  }
  const lines: string[] = [];
  const walk = (s: ReadableSpan, depth: number) => {
    const ours = Object.entries(s.attributes).filter(([k]) => k.startsWith('lightbox.') || k === 'http.response.status_code');
    lines.push(
      `${'  '.repeat(depth)}${s.name} trace=${traceOf(s).slice(0, 8)} span=${idOf(s).slice(0, 8)}` +
        `${s.status.code === SpanStatusCode.ERROR ? ' ERROR' : ''} ${ours.map(([k, v]) => `${k}=${v}`).join(' ')}`,
    );
    for (const c of children.get(key(traceOf(s), idOf(s))) ?? []) walk(c, depth + 1);
  };
  for (const r of children.get('root') ?? []) walk(r, 0);
  return lines.join('\n');
}

/** Names from the root of the span's trace down to the span, following parentSpanId. */
function pathTo(span: ReadableSpan, spans: ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(spans.filter((s) => traceOf(s) === traceOf(span)).map((s) => [idOf(s), s]));
  const chain = [span];
  // Bounded: repeated workflow-side span ids (see dump) must not send this round in a loop.
  for (let s = span; s.parentSpanId && byId.has(s.parentSpanId) && chain.length < 32;) {
    s = byId.get(s.parentSpanId)!;
    chain.unshift(s);
  }
  return chain;
}

const names = (chain: ReadableSpan[]) => chain.map((s) => s.name);

describe('one trace from the API through the workflow to every activity', () => {
  test('album create, upload, close: spans, parents, queues and failures', async () => {
    // The caller's own trace: the album's whole run must continue it.
    const callerTrace = crypto.randomBytes(16).toString('hex');
    const callerSpan = crypto.randomBytes(8).toString('hex');
    const created = await A('POST', '/v1/albums', { title: 'Traced' }, { traceparent: `00-${callerTrace}-${callerSpan}-01` });
    assert.equal(created.status, 201);
    const { albumId, workflowId } = created.body;

    const upload = await A(
      'POST',
      `/v1/albums/${albumId}/photos`,
      form([
        { name: 'one.jpg', contentType: 'image/jpeg', data: await scene(320, 240, 1) },
        { name: 'two.jpg', contentType: 'image/jpeg', data: await scene(320, 240, 2) },
        // Sniffs as a JPEG, so the API accepts it and the decode activity is what fails.
        { name: 'cut.jpg', contentType: 'image/jpeg', data: (await scene(640, 480, 3)).subarray(0, 4000) },
      ]),
    );
    assert.equal(upload.status, 202);
    assert.equal(upload.body.accepted.length, 3);
    const photoIds = new Map<string, string>(upload.body.accepted.map((a: { name: string; photoId: string }) => [a.name, a.photoId]));

    assert.equal((await A('POST', `/v1/albums/${albumId}/close`)).status, 202);
    await waitFor(
      () => A('GET', `/v1/albums/${albumId}`),
      (r) => r.body.status === 'completed',
    );
    // Workflow spans reach the exporter through a sink after the workflow task completes,
    // so "completed" in a query can come a moment before the RunWorkflow span.
    await waitFor(
      async () => telemetry.spans.getFinishedSpans().some((s) => s.name === 'RunWorkflow:AlbumWorkflow' && s.attributes.workflowId === workflowId),
      (found) => found,
      10_000,
    );
    await telemetry.spanProcessor.forceFlush();

    const spans = telemetry.spans.getFinishedSpans();
    const tree = `\nspans:\n${dump(spans)}`;
    const serverSpans = (route: string) =>
      spans.filter((s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === route && s.attributes['lightbox.album_id'] === albumId);
    const inTrace = (root: ReadableSpan) => spans.filter((s) => traceOf(s) === traceOf(root));
    const one = <T>(list: T[], what: string): T => {
      assert.equal(list.length, 1, `expected exactly one ${what}, got ${list.length}${tree}`);
      return list[0]!;
    };

    // The create request: named by route, continuing the caller's trace, tenant on it.
    const createSpan = one(
      spans.filter((s) => s.name === 'HTTP POST /v1/albums' && traceOf(s) === callerTrace),
      'HTTP POST /v1/albums span in the caller trace',
    );
    assert.equal(createSpan.parentSpanId, callerSpan, `the server span's parent is the caller's span${tree}`);
    assert.equal(createSpan.kind, SpanKind.SERVER);
    assert.deepEqual(
      {
        method: createSpan.attributes['http.request.method'],
        route: createSpan.attributes['http.route'],
        status: createSpan.attributes['http.response.status_code'],
        tenant: createSpan.attributes['lightbox.tenant'],
      },
      { method: 'POST', route: '/v1/albums', status: 201, tenant: TENANT_A.tenant },
    );

    // Every photo: caller → API → workflow start → workflow run → schedule → run on the CPU queue.
    const runWorkflow = one(
      inTrace(createSpan).filter((s) => s.name === 'RunWorkflow:AlbumWorkflow'),
      'RunWorkflow:AlbumWorkflow in the create trace',
    );
    // Photos are analysed in batches: every photo is in exactly one batch span, which names it.
    const analyses = spans.filter((s) => s.name === 'RunActivity:analyzePhotoBatch' && s.attributes['lightbox.album_id'] === albumId);
    const photosOf = (s: ReadableSpan) => String(s.attributes['lightbox.photo_ids']).split(',');
    assert.deepEqual(
      analyses.flatMap(photosOf).sort(),
      [...photoIds.values()].sort(),
      `every photo in one RunActivity:analyzePhotoBatch, each naming its photos${tree}`,
    );
    for (const run of analyses) {
      const chain = pathTo(run, spans);
      assert.deepEqual(
        names(chain),
        [
          'HTTP POST /v1/albums',
          'StartWorkflow:AlbumWorkflow',
          'RunWorkflow:AlbumWorkflow',
          'StartActivity:analyzePhotoBatch',
          'RunActivity:analyzePhotoBatch',
        ],
        `batch ${photosOf(run).join(',')} hangs off the create request's trace${tree}`,
      );
      assert.equal(chain[0], createSpan);
      assert.equal(chain[2], runWorkflow);
      assert.equal(chain[0]!.parentSpanId, callerSpan);
      assert.equal(run.attributes['lightbox.queue'], 'lightbox-cpu');
      assert.equal(run.attributes['lightbox.activity'], 'analyzePhotoBatch');
      assert.equal(run.attributes['lightbox.album_id'], albumId);
      assert.equal(run.attributes['lightbox.tenant'], TENANT_A.tenant);
      assert.equal(run.attributes['lightbox.model'], 'phash-colorlayout');
      assert.equal(run.attributes['lightbox.method'], 'classic');
      assert.equal(run.attributes.temporalWorkflowId, workflowId);
    }

    // A bad photo does not fail its batch (the album goes on), but its batch span records it.
    const cutId = photoIds.get('cut.jpg')!;
    const cut = one(
      analyses.filter((s) => photosOf(s).includes(cutId)),
      'RunActivity for cut.jpg',
    );
    const failedEvent = cut.events.find((e) => e.name === 'photo.failed' && e.attributes?.['lightbox.photo_id'] === cutId);
    assert.ok(failedEvent, `cut.jpg's batch span records a photo.failed event${tree}`);
    assert.equal(failedEvent.attributes?.['lightbox.error_code'], 'CORRUPT_IMAGE');
    assert.equal(failedEvent.attributes?.['lightbox.stage'], 'decode');
    assert.match(String(failedEvent.attributes?.['exception.message']), /cut\.jpg/);
    for (const good of analyses) assert.notEqual(good.status.code, SpanStatusCode.ERROR, `batches with a bad photo still succeed${tree}`);

    // The album-wide step runs on the CPU queue once the photos are in, in the workflow's trace.
    const albumStep = spans.filter((s) => s.name === 'RunActivity:analyzeAlbum' && s.attributes.temporalWorkflowId === workflowId);
    assert.ok(albumStep.length >= 1, `the album step ran${tree}`);
    assert.equal(pathTo(albumStep[0]!, spans)[2], runWorkflow);

    // The manifest is written on the I/O queue, scheduled by the workflow run: it belongs to
    // the workflow's trace (the create request's), not to the close request that prompted it.
    const manifest = one(
      spans.filter((s) => s.name === 'RunActivity:writeAlbumManifest' && s.attributes.temporalWorkflowId === workflowId),
      'RunActivity:writeAlbumManifest',
    );
    assert.equal(manifest.attributes['lightbox.queue'], 'lightbox-io');
    assert.equal(manifest.attributes['lightbox.activity'], 'writeAlbumManifest');
    assert.equal(manifest.attributes['lightbox.tenant'], TENANT_A.tenant);
    assert.deepEqual(
      names(pathTo(manifest, spans)),
      [
        'HTTP POST /v1/albums',
        'StartWorkflow:AlbumWorkflow',
        'RunWorkflow:AlbumWorkflow',
        'StartActivity:writeAlbumManifest',
        'RunActivity:writeAlbumManifest',
      ],
      `writeAlbumManifest hangs off the workflow run${tree}`,
    );
    assert.equal(pathTo(manifest, spans)[2], runWorkflow);

    // The upload request: its own trace, reaching into the workflow through the update. The
    // photos it adds are queued there and analysed by the workflow's main loop, so their
    // activities are in the workflow's trace above, not in this one.
    const uploadSpan = one(serverSpans('/v1/albums/:albumId/photos'), 'upload request span');
    assert.equal(uploadSpan.name, 'HTTP POST /v1/albums/:albumId/photos');
    assert.equal(uploadSpan.attributes['http.response.status_code'], 202);
    assert.equal(uploadSpan.attributes['lightbox.tenant'], TENANT_A.tenant);
    assert.equal(uploadSpan.parentSpanId, undefined, 'no traceparent sent, so the upload starts its own trace');
    const uploadTrace = inTrace(uploadSpan);
    for (const s of uploadTrace) {
      assert.equal(pathTo(s, spans)[0], uploadSpan, `${s.name} in the upload trace is connected to its server span${tree}`);
    }
    const update = one(
      uploadTrace.filter((s) => s.name === 'StartWorkflowUpdate:addPhotos'),
      'StartWorkflowUpdate:addPhotos in the upload trace',
    );
    assert.equal(update.parentSpanId, idOf(uploadSpan));
    assert.equal(update.attributes.temporalWorkflowId, workflowId);
    for (const name of ['ValidateUpdate:addPhotos', 'HandleUpdate:addPhotos']) {
      const inWorkflow = one(
        uploadTrace.filter((s) => s.name === name),
        `${name} in the upload trace`,
      );
      assert.equal(inWorkflow.parentSpanId, idOf(update), `${name} is the update's child${tree}`);
      assert.equal(inWorkflow.attributes.workflowId, workflowId);
    }
    assert.ok(
      uploadTrace.some((s) => s.name === 'QueryWorkflow:status' && s.parentSpanId === idOf(uploadSpan)),
      `the open-album check is in the upload trace${tree}`,
    );
    assert.ok(!uploadTrace.some((s) => s.name.includes('Activity')), `no activity is in the upload trace${tree}`);

    // The close request: the signal and its handling in the workflow.
    const closeSpan = one(serverSpans('/v1/albums/:albumId/close'), 'close request span');
    const signal = one(
      inTrace(closeSpan).filter((s) => s.name === 'SignalWorkflow:closeAlbum'),
      'SignalWorkflow:closeAlbum',
    );
    assert.equal(signal.parentSpanId, idOf(closeSpan));
    const handled = one(
      inTrace(closeSpan).filter((s) => s.name === 'HandleSignal:closeAlbum'),
      'HandleSignal:closeAlbum',
    );
    assert.equal(handled.parentSpanId, idOf(signal));
    assert.ok(!inTrace(closeSpan).some((s) => s.name.includes('Activity')), `no activity is in the close trace${tree}`);
  });
});

describe('request spans', () => {
  let app: http.Server;
  let base: string;

  before(async () => {
    // The middleware alone on a bare app, to reach a 5xx the real API has no honest way to produce.
    const e = express();
    e.use(requestTracing());
    const router = express.Router();
    router.get('/things/:albumId', () => {
      throw new Error('boom');
    });
    router.get('/missing/:albumId', async () => {
      await new Promise((r) => setTimeout(r, 5));
      throw new ApiError('ALBUM_NOT_FOUND', 'no such album');
    });
    e.use('/v1', router);
    e.use(notFoundHandler);
    e.use(errorHandler);
    app = http.createServer(e);
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((r) => app.close(() => r()));
  });

  const spanFor = async (p: string) => {
    const marker = crypto.randomBytes(16).toString('hex');
    const res = await fetch(`${base}${p}`, { headers: { traceparent: `00-${marker}-${'1'.repeat(16)}-01` } });
    await res.arrayBuffer();
    const found = await waitFor(
      async () => telemetry.spans.getFinishedSpans().filter((s) => traceOf(s) === marker),
      (l) => l.length > 0,
      5_000,
    );
    assert.equal(found.length, 1, `one span for ${p}: ${found.map((s) => s.name).join(', ')}`);
    return found[0]!;
  };

  test('a 5xx is an ERROR span named by the full route pattern, with the album id', async () => {
    const span = await spanFor('/v1/things/alb_x1');
    assert.equal(span.name, 'HTTP GET /v1/things/:albumId');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['http.response.status_code'], 500);
    assert.equal(span.attributes['http.route'], '/v1/things/:albumId');
    assert.equal(span.attributes['lightbox.album_id'], 'alb_x1');
  });

  test('a 4xx after an async failure keeps its route and album id and is not an error', async () => {
    const span = await spanFor('/v1/missing/alb_x2');
    assert.equal(span.name, 'HTTP GET /v1/missing/:albumId');
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(span.attributes['http.response.status_code'], 404);
    assert.equal(span.attributes['lightbox.album_id'], 'alb_x2');
  });

  test('an unrouted request is named by its method alone', async () => {
    const span = await spanFor('/nowhere/at/all');
    assert.equal(span.name, 'HTTP GET');
    assert.equal(span.attributes['http.route'], undefined);
    assert.equal(span.attributes['http.response.status_code'], 404);
  });
});
