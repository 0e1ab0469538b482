/**
 * Shared pieces of the text benchmarks: a closed-loop load generator with latency percentiles,
 * the shape-faithful models (generated on first use), an in-process API on a free port, and a
 * plain table printer.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { lazyClient } from '../../src/temporal-client/connection';
import { createTextServices } from '../../src/api/services/text-services';
import type { ModeratorOptions } from '../../src/moderation/chat-moderator';
import { createApp } from '../../src/api/app';
import { loadConfig, type Config } from '../../src/config';
import { BENCH_MODELS_DIR } from '../../src/models/catalogue/bench';
import { getModelSpec } from '../../src/models/registry';
import { blobStoreFromConfig } from '../../src/storage/from-config';

export const ROOT = path.resolve(__dirname, '..', '..');

/** `--name=value` on the command line, else the environment variable, else the default. */
export function setting(argName: string, envName: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${argName}=`));
  const raw = arg ? arg.split('=')[1] : process.env[envName];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${argName} / ${envName} must be a positive number, got ${raw}`);
  return n;
}

/** Writes the shape-faithful model into .lightbox/models-bench unless it is there. */
export function ensureBenchModel(id: string, only: 'clip-image' | 'sbert' | 'electra'): string {
  const dir = path.join(ROOT, BENCH_MODELS_DIR);
  const spec = getModelSpec(id);
  if (!spec.files.every((f) => fs.existsSync(path.join(dir, id, spec.version, f.name)))) {
    console.log(`generating the shape-faithful ${id} (once) …`);
    const r = spawnSync('python3', ['scripts/models/bench_models.py', '--only', only, dir], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, PYTHONPATH: path.join(ROOT, '.tools', 'py') },
    });
    if (r.status !== 0) throw new Error('scripts/models/bench_models.py failed: run npm run setup first');
  }
  return dir;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface LoadResult {
  concurrency: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

/** `concurrency` loops each sending one request after the other for `seconds`. */
export async function closedLoop(concurrency: number, seconds: number, send: (i: number) => Promise<boolean>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const ok = await send(n++).catch(() => false);
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    requests: latencies.length,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors,
  };
}

export function table(headers: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(1)) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(line(headers));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of cells) console.log(line(r));
}

export const BENCH_KEY = 'bench-key-0123456789abcdef';
export const BENCH_TENANT = 'bench';

export interface BenchApi {
  config: Config;
  url: string;
  post(p: string, body: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/**
 * The real Express app on a free port, in this process. Matching queries and moderation never
 * call Temporal, so its client gets a lazy connection that is never opened.
 */
export async function startBenchApi(env: Record<string, string>, opts: { moderator?: Partial<ModeratorOptions> } = {}): Promise<BenchApi> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    LIGHTBOX_DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    LIGHTBOX_API_KEYS: `${BENCH_KEY}:${BENCH_TENANT}`,
    LIGHTBOX_SIGNING_SECRET: 'bench',
    ...env,
  });
  const client = lazyClient(config.temporal);
  const app = createApp({
    config,
    text: createTextServices(config, { moderator: opts.moderator }),
    client,
    store: blobStoreFromConfig(config),
    apiKeys: new Map([[BENCH_KEY, BENCH_TENANT]]),
    signingSecret: 'bench',
    logger: pino({ level: 'silent' }),
  });
  const server = http.createServer({ keepAlive: true }, app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    config,
    url,
    async post(p, body) {
      const res = await fetch(url + p, {
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Korean chat lines of everyday length, clean and rude, with emoji and mixed script. */
export const CHAT_LINES = [
  '안녕하세요 반가워요 😀',
  '오늘 저녁에 뭐 먹을까요? 치킨 어때요',
  '아 진짜 존나 짜증나네 왜 이렇게 늦어',
  '주말에 한강에서 자전거 타실 분 구해요 🚴',
  'ㅋㅋㅋㅋ 그거 완전 웃기다',
  '씨.발 또 렉 걸렸어',
  '내일 회의 몇 시였죠? 10시 맞나요',
  'lol 이 영화 진짜 재밌어요 강추 👍',
  '너 같은 병 신은 처음 본다',
  '커피 한 잔 하면서 얘기해요 ☕',
  '오늘 날씨 너무 좋다 산책 가고 싶어',
  '그만 좀 해 미친놈아',
  '사진 보내드릴게요 잠시만요',
  '혹시 이번 주 토요일 시간 되세요? 같이 전시회 보러 가요',
  '고양이가 키보드 위에서 자고 있어요 🐱 귀여워 죽겠다',
  '배송 언제 와요? 벌써 3일째 기다리는 중인데 연락도 없네요',
];

/** Korean (and one mixed) profile-style queries the matching benches send, in turn. */
export const MATCH_QUERY_TEXTS = [
  '주말마다 등산하고 캠핑 가는 걸 좋아해요',
  '재즈 공연 보러 다니고 와인 마시는 거 좋아합니다',
  '고양이 두 마리 키우는 집사예요 🐱',
  '러닝 크루 활동 중이고 마라톤 준비하고 있어요',
  '맛집 탐방이랑 카페 투어가 취미입니다',
  '영화 보는 거 좋아하고 특히 스릴러 장르 좋아해요',
  'I love hiking and travel, 한국어 공부 중이에요',
  '요리하는 걸 좋아해서 주말엔 베이킹 해요',
];
