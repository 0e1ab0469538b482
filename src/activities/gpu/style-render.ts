/**
 * GPU-queue activity (class diffusion): img2img of an album photo through the node's diffusion
 * backend, heartbeating per sampling step, honouring cancellation. The result goes to the blob
 * store; the API hands it out as a signed URL.
 */
import crypto from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { DiffusionBackend } from './diffusion';
import { guardGpuJob } from './heartbeat';
import type { RenderProgress, RenderRequest, RenderResult } from '../../shared/gpu-jobs';
import { BlobNotFoundError, type BlobStore } from '../../storage/blob-store';
import { styleResultKey } from '../../storage/keys';
import { inferenceBatchSize, inferenceSeconds, jobOutcomes } from '../../telemetry/metrics';

export interface RenderSettings {
  steps: number;
  denoisingStrength: number;
  maxSide: number;
  /** Give the slot back when the backend has reported nothing for this long. */
  stallAbortMs: number;
}

/** The same job renders the same image on a retry: the seed comes from the job id. */
const seedOf = (styleId: string) => crypto.createHash('sha256').update(styleId).digest().readUInt32BE(0) % 2 ** 31;

export function createStyleRenderActivities({ store, backend, settings }: { store: BlobStore; backend: DiffusionBackend; settings: RenderSettings }) {
  async function renderStyle(req: RenderRequest): Promise<RenderResult> {
    let image: Buffer;
    try {
      image = await store.get(req.photoKey);
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw ApplicationFailure.nonRetryable(`Photo ${req.photoKey} is gone`, 'BLOB_NOT_FOUND');
      throw err;
    }
    const guard = guardGpuJob<RenderProgress>(settings.stallAbortMs, { step: 0, totalSteps: settings.steps, fraction: 0 });
    const started = performance.now();
    try {
      const out = await backend.render(
        {
          image,
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
      inferenceSeconds.observe({ model: backend.name, method: 'img2img' }, renderMs / 1000);
      inferenceBatchSize.observe({ model: backend.name }, 1);
      const resultKey = styleResultKey(req.tenantId, req.styleId);
      await store.put(resultKey, out.image, { contentType: 'image/png' });
      jobOutcomes.inc({ kind: 'style', outcome: backend.fallback ? 'fallback' : 'ok', code: '' });
      return {
        resultKey,
        width: out.width,
        height: out.height,
        backend: backend.name,
        fallback: backend.fallback,
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
