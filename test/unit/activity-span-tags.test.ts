/**
 * What the activity interceptor and tagModel put on a RunActivity span, run through the real
 * interceptor chain in a mock activity context (the end-to-end chain across queues is
 * test/integration/tracing.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { workerInterceptors } from '../../src/telemetry/temporal-interceptors';
import { tagModel } from '../../src/telemetry/span-tags';
import { testTelemetry } from '../helpers/stack';

const telemetry = testTelemetry({ memory: true });

function environment(activityType: string, taskQueue: string, attempt = 1) {
  return new MockActivityEnvironment(
    { activityType, taskQueue, attempt, activityId: `${activityType}-1` },
    // The expected failure below would otherwise print its whole stack as a warning.
    { interceptors: workerInterceptors().activity, logger: new DefaultLogger('ERROR') },
  );
}

const spanOf = async (name: string) => {
  // SimpleSpanProcessor hands a span to the exporter asynchronously.
  await telemetry.spanProcessor.forceFlush();
  const found = telemetry.spans.getFinishedSpans().filter((s) => s.name === `RunActivity:${name}`);
  assert.equal(found.length, 1, `one RunActivity:${name} span; got ${telemetry.spans.getFinishedSpans().map((s) => s.name)}`);
  return found[0]!;
};

test('a GPU activity span names queue, activity, attempt, tenant, album, photo and the model', async () => {
  const env = environment('renderStyle', 'lightbox-gpu-diffusion', 2);
  const out = await env.run(
    async (input: { tenantId: string; albumId: string; photo: { photoId: string } }) => {
      tagModel({ id: 'sd-1.5', version: 'fp16-2024', method: 'onnx' });
      return input.photo.photoId;
    },
    { tenantId: 'acme', albumId: 'alb_1', photo: { photoId: 'ph_9' } },
  );
  assert.equal(out, 'ph_9');
  const span = await spanOf('renderStyle');
  assert.deepEqual(Object.fromEntries(Object.entries(span.attributes).filter(([k]) => k.startsWith('lightbox.'))), {
    'lightbox.queue': 'lightbox-gpu-diffusion',
    'lightbox.activity': 'renderStyle',
    'lightbox.attempt': 2,
    'lightbox.tenant': 'acme',
    'lightbox.album_id': 'alb_1',
    'lightbox.photo_id': 'ph_9',
    'lightbox.model': 'sd-1.5',
    'lightbox.model_version': 'fp16-2024',
    'lightbox.method': 'onnx',
  });
  assert.equal(span.status.code, SpanStatusCode.OK);
});

test('a failed activity is an ERROR span with the exception and its failure code', async () => {
  const env = environment('writeReport', 'lightbox-gpu-llm');
  await assert.rejects(
    env.run(
      async (_input: { tenantId: string; photoId: string }) => {
        throw ApplicationFailure.nonRetryable('prompt too long for the model', 'PROMPT_TOO_LONG');
      },
      { tenantId: 'globex', photoId: 'ph_2' },
    ),
    /prompt too long/,
  );
  const span = await spanOf('writeReport');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes['lightbox.error_code'], 'PROMPT_TOO_LONG');
  assert.equal(span.attributes['lightbox.tenant'], 'globex');
  assert.equal(span.attributes['lightbox.photo_id'], 'ph_2');
  assert.equal(span.attributes['lightbox.album_id'], undefined, 'no album in the input, none on the span');
  const exception = span.events.find((e) => e.name === 'exception');
  assert.match(String(exception?.attributes?.['exception.message']), /prompt too long/);
});

test('an activity whose input is not an object still gets queue and activity', async () => {
  const env = environment('loadPendingPage', 'lightbox-io');
  await env.run(async () => 'ok');
  const span = await spanOf('loadPendingPage');
  assert.equal(span.attributes['lightbox.queue'], 'lightbox-io');
  assert.equal(span.attributes['lightbox.activity'], 'loadPendingPage');
  assert.equal(span.attributes['lightbox.tenant'], undefined);
});
