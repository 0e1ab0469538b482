/**
 * img2img backends behind one interface. The GPU one speaks the AUTOMATIC1111 Stable Diffusion
 * WebUI HTTP API (launched with --api, see deploy/gpu/diffusion-a1111-t4.sh): POST /sdapi/v1/img2img
 * renders, GET /sdapi/v1/progress reports sampling steps while it runs, POST /sdapi/v1/interrupt
 * stops it. With no server configured, a CPU stylizer built on sharp stands in and says so.
 */
import sharp from 'sharp';
import { styleById } from '../../shared/style-catalogue';

export interface DiffusionJob {
  image: Buffer;
  prompt: string;
  negativePrompt: string;
  /** Catalogue style id: the CPU fallback's look. */
  style: string;
  steps: number;
  denoisingStrength: number;
  /** Longest side of the rendered image (SD 1.5 on a T4: 512–768). */
  maxSide: number;
  seed: number;
  /** Style by example: the reference photo whose look is painted onto `image` (style networks only). */
  styleImage?: Buffer;
}

export interface DiffusionOutput {
  image: Buffer;
  width: number;
  height: number;
  steps: number;
  /** The network that rendered it, when a backend has several (the style networks). */
  backend?: string;
}

export interface RenderHooks {
  signal: AbortSignal;
  /** Called when the backend reports a new sampling step. */
  onProgress(step: number, totalSteps: number): void;
}

export interface DiffusionBackend {
  readonly name: string;
  /** True when this is not a diffusion model (the CPU stylizer). */
  readonly fallback: boolean;
  render(job: DiffusionJob, hooks: RenderHooks): Promise<DiffusionOutput>;
}

/** SD works in 8 px latents; 64-px multiples also keep A1111's hires paths happy. */
export function renderSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const snap = (v: number) => Math.max(64, Math.round((v * scale) / 64) * 64);
  return { width: snap(width), height: snap(height) };
}

/** Polls the A1111 progress endpoint until no job is running (bounded: a dead server counts as idle). */
async function waitUntilIdle(url: string, pollMs: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await fetch(`${url}/sdapi/v1/progress?skip_current_image=true`, { signal: AbortSignal.timeout(5000) })
      .then((r) => (r.ok ? (r.json() as Promise<{ state?: { job_count?: number } }>) : undefined))
      .catch(() => undefined);
    if (!state || !state.state?.job_count) return;
    await new Promise((r) => setTimeout(r, Math.min(pollMs, 200)));
  }
}

const abortError = (signal: AbortSignal) => (signal.reason instanceof Error ? signal.reason : new Error('render aborted'));

/** Twice a second: a progress bar that moves smoothly, at a cost A1111 does not notice. */
export const PROGRESS_POLL_MS = 500;

export interface A1111Options {
  /** One server per GPU on this node; each takes one job at a time. */
  urls: string[];
  /** How often to read /sdapi/v1/progress while a job runs. */
  progressPollMs?: number;
  sampler?: string;
  cfgScale?: number;
}

/** AUTOMATIC1111 WebUI API client. Jobs take a free server from the node's list. */
export class Automatic1111Backend implements DiffusionBackend {
  readonly name = 'automatic1111';
  readonly fallback = false;
  private readonly busy = new Set<string>();

  constructor(private readonly opts: A1111Options) {
    if (opts.urls.length === 0) throw new Error('Automatic1111Backend needs at least one server URL');
  }

  private acquire(): string {
    // Slots are sized to the servers, so a free one exists; if not, share the least recent.
    const url = this.opts.urls.find((u) => !this.busy.has(u)) ?? this.opts.urls[this.busy.size % this.opts.urls.length]!;
    this.busy.add(url);
    return url;
  }

  async render(job: DiffusionJob, hooks: RenderHooks): Promise<DiffusionOutput> {
    if (hooks.signal.aborted) throw abortError(hooks.signal);
    const url = this.acquire();
    const meta = await sharp(job.image).metadata();
    const size = renderSize(meta.width ?? job.maxSide, meta.height ?? job.maxSide, job.maxSide);
    // JPEG at q95: A1111 decodes any PIL format, and encoding it is several times faster than PNG,
    // which is time the GPU sits idle between jobs.
    const input = await sharp(job.image).rotate().resize(size.width, size.height, { fit: 'cover' }).jpeg({ quality: 95 }).toBuffer();
    const body = {
      init_images: [input.toString('base64')],
      prompt: job.prompt,
      negative_prompt: job.negativePrompt,
      denoising_strength: job.denoisingStrength,
      steps: job.steps,
      cfg_scale: this.opts.cfgScale ?? 7,
      sampler_name: this.opts.sampler ?? 'DPM++ 2M',
      seed: job.seed,
      width: size.width,
      height: size.height,
      batch_size: 1,
      n_iter: 1,
      send_images: true,
      save_images: false,
    };
    const local = new AbortController();
    const onAbort = () => local.abort(abortError(hooks.signal));
    hooks.signal.addEventListener('abort', onAbort, { once: true });
    let lastStep = -1;
    let settled = false;
    const poll = setInterval(() => {
      fetch(`${url}/sdapi/v1/progress?skip_current_image=true`, { signal: AbortSignal.timeout(5000) })
        .then((r) => (r.ok ? (r.json() as Promise<{ state?: { sampling_step?: number; sampling_steps?: number } }>) : undefined))
        .then((p) => {
          const step = p?.state?.sampling_step ?? 0;
          const total = p?.state?.sampling_steps || job.steps;
          // A read answered after the job settled must not heartbeat for a finished activity.
          if (step !== lastStep && !settled && !local.signal.aborted) {
            lastStep = step;
            hooks.onProgress(step, total);
          }
        })
        .catch(() => {
          // A missed progress read is not an error: the job's own request decides success.
        });
    }, this.opts.progressPollMs ?? PROGRESS_POLL_MS);
    try {
      const res = await fetch(`${url}/sdapi/v1/img2img`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: local.signal,
      });
      if (!res.ok) throw new Error(`img2img at ${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      const out = (await res.json()) as { images?: string[] };
      const b64 = out.images?.[0];
      if (!b64) throw new Error(`img2img at ${url} returned no image`);
      const image = Buffer.from(b64, 'base64');
      const outMeta = await sharp(image).metadata();
      settled = true;
      hooks.onProgress(job.steps, job.steps);
      return { image, width: outMeta.width ?? size.width, height: outMeta.height ?? size.height, steps: job.steps };
    } catch (err) {
      if (local.signal.aborted) {
        // The server keeps sampling after a dropped connection; interrupt frees the GPU now.
        await fetch(`${url}/sdapi/v1/interrupt`, { method: 'POST', signal: AbortSignal.timeout(5000) }).catch(() => undefined);
        // The slot is given back only once the server has really stopped: otherwise the next job
        // would start while this one still holds the GPU.
        await waitUntilIdle(url, this.opts.progressPollMs ?? PROGRESS_POLL_MS);
        throw abortError(local.signal);
      }
      throw err;
    } finally {
      settled = true;
      clearInterval(poll);
      hooks.signal.removeEventListener('abort', onAbort);
      this.busy.delete(url);
    }
  }
}

/**
 * CPU stand-in for when no GPU server is configured: a colour and posterisation treatment per
 * catalogue style. It is not diffusion and the result says so (fallback: true).
 */
export class SharpStylizer implements DiffusionBackend {
  readonly name = 'cpu-sharp';
  readonly fallback = true;

  async render(job: DiffusionJob, hooks: RenderHooks): Promise<DiffusionOutput> {
    const look = styleById(job.style).cpu;
    const stages = 4;
    const check = () => {
      if (hooks.signal.aborted) throw abortError(hooks.signal);
    };
    const meta = await sharp(job.image).metadata();
    const size = renderSize(meta.width ?? job.maxSide, meta.height ?? job.maxSide, job.maxSide);
    let img = await sharp(job.image).rotate().resize(size.width, size.height, { fit: 'cover' }).toBuffer();
    hooks.onProgress(1, stages);
    check();
    let s = sharp(img).modulate({ saturation: look.saturation, brightness: look.brightness, ...(look.hue ? { hue: look.hue } : {}) });
    if (look.tint) s = s.tint({ r: look.tint[0], g: look.tint[1], b: look.tint[2] });
    if (look.saturation === 0) s = s.grayscale();
    img = await s.toBuffer();
    hooks.onProgress(2, stages);
    check();
    // A median filter flattens texture into painted areas before the palette is cut down.
    let t = sharp(img);
    if (look.blurSigma > 0) t = t.median(Math.max(3, Math.round(look.blurSigma * 2) | 1));
    if (look.sharpen) t = t.sharpen();
    img = await t.toBuffer();
    hooks.onProgress(3, stages);
    check();
    const image = await sharp(img)
      .png({ palette: true, colours: Math.max(2, look.levels * 4), dither: 0 })
      .toBuffer();
    hooks.onProgress(stages, stages);
    return { image, width: size.width, height: size.height, steps: stages };
  }
}

export function diffusionBackend(urls: string[], progressPollMs?: number): DiffusionBackend {
  return urls.length > 0 ? new Automatic1111Backend({ urls, progressPollMs }) : new SharpStylizer();
}
