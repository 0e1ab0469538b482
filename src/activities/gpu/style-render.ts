/**
 * GPU-queue activity (class diffusion): img2img of an album photo through the node's diffusion
 * backend, heartbeating per sampling step, honouring cancellation. The result goes to the blob
 * store; the API hands it out as a signed URL.
 */
import crypto from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import sharp from 'sharp';
import type { DiffusionBackend } from './diffusion';
import { GPU_STALL_ABORT_MS, guardGpuJob } from './heartbeat';
import type { RenderProgress, RenderRequest, RenderResult } from '../../shared/gpu-jobs';
import { BlobNotFoundError, type BlobStore } from '../../storage/blob-store';
import { styleResultKey } from '../../storage/keys';
import { inferenceBatchSize, inferenceSeconds, jobOutcomes } from '../../telemetry/metrics';

export interface RenderSettings {
  steps: number;
  /** img2img denoising strength: 0 keeps the photo, 1 ignores it. */
  denoisingStrength: number;
  maxSide: number;
  /** Give the slot back when the backend has reported nothing for this long. */
  stallAbortMs: number;
}

/**
 * 20 steps: A1111's own default, where SD 1.5's usual samplers have settled. 0.55: past the
 * middle, so the style shows, while the photo's composition stays. 768 px: SD 1.5 trained at
 * 512, and much larger renders start repeating their subjects.
 */
export const RENDER_SETTINGS: RenderSettings = { steps: 20, denoisingStrength: 0.55, maxSide: 768, stallAbortMs: GPU_STALL_ABORT_MS };

/** The same job renders the same image on a retry: the seed comes from the job id. */
const seedOf = (styleId: string) => crypto.createHash('sha256').update(styleId).digest().readUInt32BE(0) % 2 ** 31;

/**
 * Bytes no decoder reads fail the job now, naming the photo: a retry would read the same bytes.
 * A thumbnail-sized decode (JPEG shrink-on-load) reads every scanline at a fraction of the cost.
 */
async function assertDecodable(image: Buffer, what: string): Promise<void> {
  try {
    await sharp(image, { failOn: 'truncated' }).resize(64, 64, { fit: 'inside' }).raw().toBuffer();
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`${what} cannot be decoded (${(err as Error).message})`, 'CORRUPT_IMAGE');
  }
}

async function load(store: BlobStore, key: string, what: string, missingCode: string): Promise<Buffer> {
  let image: Buffer;
  try {
    image = await store.get(key);
  } catch (err) {
    if (err instanceof BlobNotFoundError) throw ApplicationFailure.nonRetryable(`${what} ${key} is gone`, missingCode);
    throw err;
  }
  await assertDecodable(image, `${what} ${key}`);
  return image;
}

export function createStyleRenderActivities({
  store,
  backend,
  exampleBackend,
  settings: overrides,
}: {
  store: BlobStore;
  backend: DiffusionBackend;
  /** Renders style by example (the Magenta pair); absent when those networks are not installed. */
  exampleBackend?: DiffusionBackend;
  /** Tests render fewer steps; the worker runs RENDER_SETTINGS. */
  settings?: Partial<RenderSettings>;
}) {
  const settings = { ...RENDER_SETTINGS, ...overrides };
  async function renderStyle(req: RenderRequest): Promise<RenderResult> {
    const image = await load(store, req.photoKey, 'Photo', 'BLOB_NOT_FOUND');
    const styleImage = req.styleImageKey ? await load(store, req.styleImageKey, 'Style reference photo', 'STYLE_REFERENCE_NOT_FOUND') : undefined;
    if (styleImage && !exampleBackend) {
      throw ApplicationFailure.nonRetryable(
        'Style by example needs the Magenta style networks, which are not installed on this worker (npm run models:build)',
        'STYLE_BY_EXAMPLE_UNAVAILABLE',
      );
    }
    const renderer = styleImage && exampleBackend ? exampleBackend : backend;
    const guard = guardGpuJob<RenderProgress>(settings.stallAbortMs, { step: 0, totalSteps: settings.steps, fraction: 0 });
    const started = performance.now();
    try {
      const out = await renderer.render(
        {
          image,
          ...(styleImage ? { styleImage } : {}),
          prompt: req.prompt,
          negativePrompt: req.negativePrompt,
          style: req.style,
          steps: settings.steps,
          denoisingStrength: settings.denoisingStrength,
          maxSide: settings.maxSide,
          seed: seedOf(req.styleId),
        },
        {
          signal: guard.signal,
          onProgress: (step, totalSteps) => guard.progress({ step, totalSteps, fraction: totalSteps > 0 ? Math.min(1, step / totalSteps) : 0 }),
        },
      );
      const renderMs = performance.now() - started;
      const name = out.backend ?? renderer.name;
      inferenceSeconds.observe({ model: name, method: 'img2img' }, renderMs / 1000);
      inferenceBatchSize.observe({ model: name }, 1);
      const resultKey = styleResultKey(req.tenantId, req.styleId);
      await store.put(resultKey, out.image, { contentType: 'image/png' });
      jobOutcomes.inc({ kind: 'style', outcome: renderer.fallback ? 'fallback' : 'ok', code: '' });
      return {
        resultKey,
        width: out.width,
        height: out.height,
        backend: name,
        fallback: renderer.fallback,
        steps: out.steps,
        renderMs: Math.round(renderMs),
      };
    } catch (err) {
      const failure = guard.failure(err);
      jobOutcomes.inc({ kind: 'style', outcome: 'failed', code: (failure as { type?: string }).type ?? (failure as Error).name ?? 'ERROR' });
      throw failure;
    } finally {
      guard.dispose();
    }
  }
  return { renderStyle };
}
