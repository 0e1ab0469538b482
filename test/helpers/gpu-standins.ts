/**
 * Local HTTP servers that speak the real protocols of what CI cannot have: an AUTOMATIC1111
 * WebUI API (img2img, progress, interrupt) and a vLLM OpenAI-compatible server (streaming chat
 * completions) stand in for the GPUs; a Gemini REST endpoint and the Google Custom Search,
 * Spotify and YouTube APIs stand in for the paid services. They simulate timing (steps, tokens)
 * and count concurrent requests, so tests and the benchmark can check slot limits at the boundary.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import type { ContextEndpoints } from '../../src/activities/gpu/tuning-context';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

/** Tracks requests in flight: the most at once, and every [start, end] interval. */
/** A request handler that may be async: its promise is never left floating, a throw ends the response. */
function handled(fn: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>): http.RequestListener {
  return (req, res) => {
    fn(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  };
}

export class ConcurrencyMeter {
  active = 0;
  max = 0;
  started = 0;
  intervals: Array<{ start: number; end?: number }> = [];
  enter() {
    this.active++;
    this.started++;
    this.max = Math.max(this.max, this.active);
    const interval: { start: number; end?: number } = { start: performance.now() };
    this.intervals.push(interval);
    return () => {
      this.active--;
      interval.end = performance.now();
    };
  }
}

// ---------------------------------------------------------------------------------------------

export interface A1111StandIn {
  url: string;
  meter: ConcurrencyMeter;
  interrupts: number;
  /** Prompts of every img2img request, in arrival order. */
  prompts: string[];
  /** normal: sample steps then answer; hang: accept the job and never make progress (a stuck GPU). */
  mode: 'normal' | 'hang';
  stepMs: number;
  /** How long the server keeps the GPU after an interrupt. */
  stopLatencyMs: number;
  /** Resolves when the next img2img request arrives. */
  nextRequest(): Promise<void>;
  stop(): Promise<void>;
}

export async function startA1111StandIn(opts: { stepMs?: number; mode?: 'normal' | 'hang' } = {}): Promise<A1111StandIn> {
  let current: { step: number; steps: number; interrupted: boolean } | undefined;
  let waiters: Array<() => void> = [];
  const server = http.createServer(
    handled(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/sdapi/v1/progress') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            progress: current ? current.step / current.steps : 0,
            eta_relative: 0,
            state: {
              skipped: false,
              interrupted: current?.interrupted ?? false,
              job: current ? 'img2img' : '',
              job_count: current ? 1 : 0,
              sampling_step: current?.step ?? 0,
              sampling_steps: current?.steps ?? 0,
            },
            current_image: null,
            textinfo: null,
          }),
        );
        return;
      }
      if (req.method === 'POST' && url.pathname === '/sdapi/v1/interrupt') {
        stand.interrupts++;
        if (current) current.interrupted = true;
        res.setHeader('content-type', 'application/json');
        res.end('{}');
        return;
      }
      if (req.method === 'POST' && url.pathname === '/sdapi/v1/img2img') {
        const body = JSON.parse(await readBody(req)) as { init_images: string[]; prompt: string; steps: number; width: number; height: number };
        stand.prompts.push(body.prompt);
        const done = stand.meter.enter();
        const job = { step: 0, steps: body.steps, interrupted: false };
        current = job;
        const w = waiters;
        waiters = [];
        for (const f of w) f();
        try {
          if (stand.mode === 'hang') {
            await new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
            return;
          }
          while (job.step < job.steps && !job.interrupted) {
            await sleep(stand.stepMs);
            job.step++;
          }
          // A real server finishes the step in progress and decodes before it is free again.
          if (job.interrupted) await sleep(stand.stopLatencyMs);
          // Like A1111: an interrupted job still answers 200 with the image as it stood.
          const image = await sharp(Buffer.from(body.init_images[0]!, 'base64'))
            .resize(body.width, body.height, { fit: 'cover' })
            .modulate({ saturation: 1.4 })
            .png()
            .toBuffer();
          if (!res.destroyed) {
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ images: [image.toString('base64')], parameters: {}, info: '{}' }));
          }
        } finally {
          if (current === job) current = undefined;
          done();
        }
        return;
      }
      res.statusCode = 404;
      res.end('{"detail":"Not Found"}');
    }),
  );
  const stand: A1111StandIn = {
    url: await listen(server),
    meter: new ConcurrencyMeter(),
    interrupts: 0,
    stopLatencyMs: 0,
    prompts: [],
    mode: opts.mode ?? 'normal',
    stepMs: opts.stepMs ?? 20,
    nextRequest: () => new Promise<void>((r) => waiters.push(r)),
    stop: () => close(server),
  };
  return stand;
}

// ---------------------------------------------------------------------------------------------

export interface OpenAiStandIn {
  /** Base URL including /v1, as the openai client wants it. */
  url: string;
  meter: ConcurrencyMeter;
  tokensServed: number;
  /** Time per token with one stream; may be changed between requests. */
  tokenMs: number;
  requests: Array<{ model: string; stream: boolean; messages: unknown[] }>;
  stop(): Promise<void>;
}

/**
 * A vLLM-like streaming server. Per-token time grows with the streams in flight, as continuous
 * batching does: tokenMs × (1 + slowdownPerStream × (active − 1)).
 */
export async function startOpenAiStandIn(
  opts: {
    tokens?: number;
    tokenMs?: number;
    slowdownPerStream?: number;
    /** ± fraction of `tokens`, varied per request (reports differ in length). */ tokensJitter?: number;
  } = {},
): Promise<OpenAiStandIn> {
  const baseTokens = opts.tokens ?? 24;
  const jitter = opts.tokensJitter ?? 0;
  const slowdown = opts.slowdownPerStream ?? 0;
  const words = ['두', '사람은', '산책과', '재즈를', '좋아합니다.', '함께', '전시회에', '가보세요.'];
  const server = http.createServer(
    handled(async (req, res) => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.statusCode = 404;
        res.end('{"error":{"message":"not found"}}');
        return;
      }
      const body = JSON.parse(await readBody(req)) as { model: string; stream?: boolean; messages: unknown[]; stream_options?: { include_usage?: boolean } };
      stand.requests.push({ model: body.model, stream: !!body.stream, messages: body.messages });
      if (!body.stream) {
        res.statusCode = 400;
        res.end('{"error":{"message":"this stand-in only streams"}}');
        return;
      }
      // A deterministic low-discrepancy spread of lengths around the mean (golden-ratio sequence).
      const tokens = Math.max(1, Math.round(baseTokens * (1 + jitter * (((stand.requests.length * 0.618034) % 1) * 2 - 1))));
      const done = stand.meter.enter();
      let closed = false;
      res.on('close', () => {
        closed = true;
      });
      try {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
        const chunk = (delta: object, finish: string | null, usage?: object) =>
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model, choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
        res.write(chunk({ role: 'assistant', content: '' }, null));
        for (let i = 0; i < tokens && !closed; i++) {
          await sleep(stand.tokenMs * (1 + slowdown * (stand.meter.active - 1)));
          res.write(chunk({ content: `${words[i % words.length]} ` }, null));
          stand.tokensServed++;
        }
        if (closed) return;
        res.write(chunk({}, 'stop'));
        if (body.stream_options?.include_usage) res.write(chunk({}, null, { prompt_tokens: 120, completion_tokens: tokens, total_tokens: 120 + tokens }));
        res.end('data: [DONE]\n\n');
      } finally {
        done();
      }
    }),
  );
  const base = await listen(server);
  const stand: OpenAiStandIn = {
    url: `${base}/v1`,
    meter: new ConcurrencyMeter(),
    tokensServed: 0,
    tokenMs: opts.tokenMs ?? 5,
    requests: [],
    stop: () => close(server),
  };
  return stand;
}

// ---------------------------------------------------------------------------------------------

export interface GeminiStandIn {
  url: string;
  /** ok: answer with a JSON prompt; fail: 500 INTERNAL, like an outage. */
  mode: 'ok' | 'fail';
  requests: Array<{ model: string; apiKey: string | undefined; hasImage: boolean; text: string }>;
  stop(): Promise<void>;
}

/** Speaks the Gemini REST generateContent method (v1beta), as @google/genai calls it. */
export async function startGeminiStandIn(): Promise<GeminiStandIn> {
  const server = http.createServer(
    handled(async (req, res) => {
      const m = /\/models\/([^/:]+):generateContent$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
      res.setHeader('content-type', 'application/json');
      if (req.method !== 'POST' || !m) {
        res.statusCode = 404;
        res.end('{"error":{"code":404,"message":"not found","status":"NOT_FOUND"}}');
        return;
      }
      const body = JSON.parse(await readBody(req)) as { contents: Array<{ parts: Array<{ text?: string; inlineData?: { data: string } }> }> };
      const parts = body.contents.flatMap((c) => c.parts);
      stand.requests.push({
        model: m[1]!,
        apiKey: req.headers['x-goog-api-key'] as string | undefined,
        hasImage: parts.some((p) => p.inlineData && p.inlineData.data.length > 100),
        text: parts.map((p) => p.text ?? '').join(''),
      });
      if (stand.mode === 'fail') {
        res.statusCode = 500;
        res.end('{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}');
        return;
      }
      const answer = {
        prompt: 'studio ghibli style, two friends on a hill, soft watercolor sky, warm light',
        negative_prompt: 'lowres, blurry',
        style: 'ghibli',
      };
      res.end(
        JSON.stringify({
          candidates: [{ content: { role: 'model', parts: [{ text: JSON.stringify(answer) }] }, finishReason: 'STOP', index: 0 }],
          usageMetadata: { promptTokenCount: 300, candidatesTokenCount: 40, totalTokenCount: 340 },
          modelVersion: m[1],
        }),
      );
    }),
  );
  const stand: GeminiStandIn = { url: await listen(server), mode: 'ok', requests: [], stop: () => close(server) };
  return stand;
}

// ---------------------------------------------------------------------------------------------

export interface ContextApisStandIn {
  /** Env for config: test credentials for every source. */
  env: Record<string, string>;
  /** For the I/O worker (WorkerTuning.contextEndpoints): every source pointed here. */
  endpoints: ContextEndpoints;
  hits: { google: number; spotifyToken: number; spotifySearch: number; youtube: number };
  stop(): Promise<void>;
}

/** Google Custom Search JSON API, Spotify (client-credentials token + search) and YouTube Data API v3 search. */
export async function startContextApisStandIn(): Promise<ContextApisStandIn> {
  const server = http.createServer(
    handled(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/customsearch/v1') {
        stand.hits.google++;
        if (url.searchParams.get('key') !== 'test-google-key') {
          res.statusCode = 400;
          res.end('{"error":{"code":400,"message":"API key not valid."}}');
          return;
        }
        res.end(
          JSON.stringify({
            items: [{ title: `한강 야경 산책 코스 (${url.searchParams.get('q')})`, link: 'https://example.com/walk', snippet: '저녁 산책 추천' }],
          }),
        );
        return;
      }
      if (url.pathname === '/api/token' && req.method === 'POST') {
        stand.hits.spotifyToken++;
        const body = await readBody(req);
        const ok =
          req.headers.authorization === `Basic ${Buffer.from('test-spotify-id:test-spotify-secret').toString('base64')}` &&
          body === 'grant_type=client_credentials';
        res.statusCode = ok ? 200 : 401;
        res.end(ok ? '{"access_token":"spotify-test-token","token_type":"Bearer","expires_in":3600}' : '{"error":"invalid_client"}');
        return;
      }
      if (url.pathname === '/v1/search') {
        stand.hits.spotifySearch++;
        if (req.headers.authorization !== 'Bearer spotify-test-token') {
          res.statusCode = 401;
          res.end('{"error":{"status":401,"message":"Invalid access token"}}');
          return;
        }
        const q = url.searchParams.get('q') ?? '';
        res.end(
          JSON.stringify({
            tracks: { items: [{ name: `${q} 대표곡`, artists: [{ name: q }], external_urls: { spotify: 'https://open.spotify.com/track/x' } }] },
          }),
        );
        return;
      }
      if (url.pathname === '/youtube/v3/search') {
        stand.hits.youtube++;
        res.end(
          JSON.stringify({
            items: [
              {
                id: { kind: 'youtube#video', videoId: 'abc123' },
                snippet: { title: `${url.searchParams.get('q')} 브이로그`, description: '함께 보기 좋은 영상' },
              },
            ],
          }),
        );
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    }),
  );
  const base = await listen(server);
  const stand: ContextApisStandIn = {
    env: {
      GOOGLE_CSE_API_KEY: 'test-google-key',
      GOOGLE_CSE_ID: 'test-cx',
      SPOTIFY_CLIENT_ID: 'test-spotify-id',
      SPOTIFY_CLIENT_SECRET: 'test-spotify-secret',
      YOUTUBE_API_KEY: 'test-youtube-key',
    },
    endpoints: {
      google: `${base}/customsearch/v1`,
      spotifyApi: `${base}/v1`,
      spotifyAccounts: `${base}/api/token`,
      youtube: `${base}/youtube/v3`,
    },
    hits: { google: 0, spotifyToken: 0, spotifySearch: 0, youtube: 0 },
    stop: () => close(server),
  };
  return stand;
}
