/**
 * StyleTransferWorkflow: Gemini writes the diffusion prompt on the I/O queue (the catalogue
 * prompt when it has no key or keeps failing; none for style by example, where another album
 * photo is the style), then the render runs on the diffusion GPU queue,
 * where the job waits in Temporal until a GPU slot frees. Cancelling the workflow cancels the
 * render; the activity hears it through its heartbeats and interrupts the backend.
 */
import { ActivityCancellationType, defineQuery, isCancellation, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { createStylePromptActivities } from '../activities/gpu/style-prompt';
import type { createStyleRenderActivities } from '../activities/gpu/style-render';
import type { StylePhase, StylePrompt, StyleTransferInput, StyleTransferResult, StyleWorkflowView } from '../shared/gpu-jobs';
import { SA } from '../shared/search-attributes';
import { cataloguePrompt } from '../shared/style-catalogue';
import { ACTIVITY_OPTIONS, gpuActivityOptions, RETRY } from '../shared/task-queues';
import { onGpu } from './gpu-dispatch';

const io = proxyActivities<ReturnType<typeof createStylePromptActivities>>({ ...ACTIVITY_OPTIONS.io, retry: RETRY.externalApi });

export const styleStatusQuery = defineQuery<StyleWorkflowView>('styleStatus');

export async function StyleTransferWorkflow(input: StyleTransferInput): Promise<StyleTransferResult> {
  const gpu = proxyActivities<ReturnType<typeof createStyleRenderActivities>>({
    ...gpuActivityOptions('diffusion', input.gpu),
    // The workflow closes only after the backend was interrupted, so a cancelled job frees its GPU first.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  let phase: StylePhase = 'writing-prompt';
  let prompt: StylePrompt | undefined;
  setHandler(styleStatusQuery, () => ({ styleId: input.styleId, phase, prompt }));
  const setStatus = (s: string) => upsertSearchAttributes([{ key: SA.status, value: s }]);

  try {
    if (input.styleFrom) {
      // Style by example: the reference photo is the style; there is nothing for Gemini to write.
      prompt = { prompt: '', negativePrompt: '', style: `photo:${input.styleFrom.photoId}`, source: 'example' };
    } else {
      try {
        prompt = await io.writeStylePrompt({ photoKey: input.photoKey, request: input.request });
      } catch (err) {
        if (isCancellation(err)) throw err;
        prompt = cataloguePrompt(input.request, 'gemini-failed');
      }
    }
    phase = 'rendering';
    setStatus('rendering');
    const { prompt: text, negativePrompt, style } = prompt;
    const render = await onGpu('diffusion', () =>
      gpu.renderStyle({
        tenantId: input.tenantId,
        styleId: input.styleId,
        photoKey: input.photoKey,
        prompt: text,
        negativePrompt,
        style,
        ...(input.styleFrom ? { styleImageKey: input.styleFrom.photoKey } : {}),
      }),
    );
    phase = 'done';
    setStatus('done');
    return { styleId: input.styleId, prompt, render };
  } catch (err) {
    setStatus(isCancellation(err) ? 'cancelled' : 'failed');
    throw err;
  }
}
