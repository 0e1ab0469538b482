/**
 * Tuning report on the CPU default: Qwen2.5-Coder-1.5B Q4_K_M run by llama.cpp in process, with 1
 * and 2 threads (INFERENCE_THREADS), on the report activity's own prompt (facts + quoted bios). Per run:
 * time to the first token (model already loaded; the prompt is read), generation tokens/s after it,
 * and the whole report's latency. The load average is printed beside every row: on a shared
 * machine the thread count that wins depends on it.
 *
 *   npm run bench -- report-llm [--runs=2] [--tokens=160]
 */
import os from 'node:os';
import { loadConfig } from '../src/config';
import { installedGguf, QWEN25_CODER_1_5B_Q4KM } from '../src/llm/gguf-models';
import { llamaBackend, preloadGguf } from '../src/llm/llama-backend';
import { reportFacts, reportMessages } from '../src/llm/report-facts';
import { setting, table } from './lib/load';

const RUNS = setting('runs', 'BENCH_REPORT_RUNS', 2);
const TOKENS = setting('tokens', 'BENCH_REPORT_TOKENS', 160);

const messages = reportMessages(
  reportFacts({
    profiles: [
      { name: '민지', interests: ['사진', '재즈', '등산'], music: ['Norah Jones'], bio: '주말마다 카메라 들고 산에 가요. 북한산 일출을 세 번 찍었어요.' },
      { name: '준호', interests: ['재즈', '요리'], music: ['Chet Baker', 'Norah Jones'], bio: '재즈 바와 새로운 음식점을 좋아합니다.' },
    ],
    context: [{ source: 'music', provider: 'spotify', status: 'ok', items: [{ title: 'Come Away With Me — Norah Jones' }] }],
  }),
);

async function main(): Promise<void> {
  const config = loadConfig();
  const modelPath = await installedGguf(config.models.dir, QWEN25_CODER_1_5B_Q4KM);
  if (!modelPath) throw new Error(`${QWEN25_CODER_1_5B_Q4KM.id} is not installed in ${config.models.dir}: run npm run models:build`);
  const t0 = performance.now();
  await preloadGguf(modelPath);
  console.log(
    `model loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${os.availableParallelism()} cores, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  const rows: (string | number)[][] = [];
  for (let run = 1; run <= RUNS; run++) {
    // Alternate, so a change in the machine's load does not fall on one thread count only.
    for (const threads of [1, 2]) {
      const backend = llamaBackend({ modelPath, model: QWEN25_CODER_1_5B_Q4KM.displayName, threads });
      const load = os.loadavg()[0]!;
      const start = performance.now();
      let first = 0;
      const out = await backend.generate(messages, {
        maxTokens: TOKENS,
        temperature: 0.5,
        signal: new AbortController().signal,
        onText: () => {
          first ||= performance.now();
        },
      });
      const end = performance.now();
      const genTokens = Math.max(0, out.tokens.completion - 1);
      rows.push([
        threads,
        run,
        out.tokens.prompt,
        out.tokens.completion,
        ((first - start) / 1000).toFixed(1),
        first && genTokens > 0 ? (genTokens / ((end - first) / 1000)).toFixed(1) : '—',
        ((end - start) / 1000).toFixed(1),
        `${load.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)}`,
      ]);
    }
  }
  table(['threads', 'run', 'prompt tokens', 'completion tokens', 'first token s', 'generation tok/s', 'report s', 'load average (1 min)'], rows);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
