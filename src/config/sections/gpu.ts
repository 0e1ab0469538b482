/** GPU jobs: worker classes and slots, the diffusion backend, the LLM and the context sources of a tuning report. */
import { z } from 'zod';
import { optionalString, positiveInt } from './types';

export const gpuSection = z.object({
  GPU_WORKER_CLASSES: z
    .string()
    .default('llm,diffusion')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['llm', 'diffusion'])).min(1))
    .describe('model classes this GPU worker polls (one Worker each): `llm`, `diffusion`'),
  GPU_COUNT: positiveInt.default(1).describe('GPUs on this node; each class gets slots-per-GPU × this'),
  GPU_LLM_SLOTS_PER_GPU: positiveInt.max(256).default(8).describe('concurrent LLM requests per GPU (vLLM batches them)'),
  GPU_DIFFUSION_SLOTS_PER_GPU: positiveInt.max(16).default(1).describe('concurrent diffusion jobs per GPU (a job owns the GPU)'),
  DIFFUSION_BACKEND_URL: optionalString.describe('A1111 API servers, comma-separated, one per GPU; unset → CPU sharp fallback'),
  GEMINI_API_KEY: optionalString.describe('Gemini key for style prompts; unset → catalogue prompts'),
  LLM_BASE_URL: optionalString.describe('OpenAI-compatible endpoint incl. `/v1` (vLLM); unset → the in-process GGUF model, else template reports'),
  LLM_API_KEY: optionalString.describe('bearer key of the LLM endpoint (vLLM `--api-key`)'),
  LLM_MODEL: z.string().default('Qwen/Qwen2.5-7B-Instruct').describe('model name sent to the LLM endpoint'),
  LLM_LOCAL_MODEL: z
    .string()
    .default('qwen2.5-coder-1.5b-instruct-q4km')
    .describe('GGUF model llama.cpp runs in process when `LLM_BASE_URL` is unset and it is installed; `none` turns it off'),
  GOOGLE_CSE_API_KEY: optionalString.describe('Google Custom Search JSON API key; with `GOOGLE_CSE_ID`, enables web context'),
  GOOGLE_CSE_ID: optionalString.describe('Programmable Search Engine id (`cx`)'),
  SPOTIFY_CLIENT_ID: optionalString.describe('Spotify client-credentials id; with the secret, enables music context'),
  SPOTIFY_CLIENT_SECRET: optionalString.describe('Spotify client secret'),
  YOUTUBE_API_KEY: optionalString.describe('YouTube Data API v3 key; enables video context'),
});
