/** GPU jobs: worker classes and slots, timeouts, the diffusion backend, the LLM and the context sources of a tuning report. */
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
  GPU_HEARTBEAT_TIMEOUT_SECONDS: z.coerce.number().positive().default(60).describe('GPU job silent this long → retried on another GPU worker'),
  GPU_SCHEDULE_TO_START_TIMEOUT_SECONDS: z.coerce.number().positive().default(1800).describe('GPU job no worker took this long → fails `NO_GPU_WORKER`'),
  GPU_RETRY_INITIAL_INTERVAL_SECONDS: z.coerce.number().positive().default(10).describe('first retry delay of a failed or stuck GPU job'),
  GPU_STALL_ABORT_SECONDS: z.coerce.number().positive().default(300).describe('a node whose backend reports nothing this long gives the slot back'),
  DIFFUSION_BACKEND_URL: optionalString.describe('A1111 API servers, comma-separated, one per GPU; unset → CPU sharp fallback'),
  DIFFUSION_STEPS: positiveInt.max(150).default(20).describe('sampling steps per img2img'),
  DIFFUSION_MAX_SIDE: positiveInt.max(2048).default(768).describe('longest side of the rendered image'),
  DIFFUSION_PROGRESS_POLL_MS: positiveInt.default(500).describe('how often a render reads `/sdapi/v1/progress`'),
  GEMINI_API_KEY: optionalString.describe('Gemini key for style prompts; unset → catalogue prompts'),
  GEMINI_MODEL: z.string().default('gemini-2.5-flash').describe('Gemini model for style prompts'),
  GEMINI_BASE_URL: optionalString.describe("a Gemini-compatible endpoint instead of Google's"),
  LLM_BASE_URL: optionalString.describe('OpenAI-compatible endpoint incl. `/v1` (vLLM); unset → template reports'),
  LLM_API_KEY: optionalString.describe('bearer key of the LLM endpoint (vLLM `--api-key`)'),
  LLM_MODEL: z.string().default('Qwen/Qwen2.5-7B-Instruct').describe('model name sent to the LLM endpoint'),
  LLM_MAX_TOKENS: positiveInt.max(8192).default(700).describe('completion tokens per report at most'),
  GOOGLE_CSE_API_KEY: optionalString.describe('Google Custom Search JSON API key; with `GOOGLE_CSE_ID`, enables web context'),
  GOOGLE_CSE_ID: optionalString.describe('Programmable Search Engine id (`cx`)'),
  GOOGLE_CSE_BASE_URL: z.string().default('https://www.googleapis.com/customsearch/v1').describe('Custom Search endpoint'),
  SPOTIFY_CLIENT_ID: optionalString.describe('Spotify client-credentials id; with the secret, enables music context'),
  SPOTIFY_CLIENT_SECRET: optionalString.describe('Spotify client secret'),
  SPOTIFY_API_BASE_URL: z.string().default('https://api.spotify.com/v1').describe('Spotify Web API base'),
  SPOTIFY_ACCOUNTS_URL: z.string().default('https://accounts.spotify.com/api/token').describe('Spotify token endpoint'),
  YOUTUBE_API_KEY: optionalString.describe('YouTube Data API v3 key; enables video context'),
  YOUTUBE_API_BASE_URL: z.string().default('https://www.googleapis.com/youtube/v3').describe('YouTube Data API base'),
});
