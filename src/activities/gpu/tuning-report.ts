/**
 * GPU-queue activity (class llm): the tuning report, written by Qwen2.5-7B-Instruct behind vLLM's
 * OpenAI-compatible server, streamed, heartbeating the tokens so far (a GPU that stops producing
 * tokens stops heartbeating, and Temporal retries the job on another worker). Several run at once
 * per GPU: vLLM batches concurrent requests continuously. With no endpoint configured, a template
 * report is built from the profiles and the context, and marked as such.
 */
import OpenAI from 'openai';
import { guardGpuJob } from './heartbeat';
import type { ContextResult, Profile, ReportProgress, ReportRequest, ReportResult } from '../../shared/gpu-jobs';
import type { BlobStore } from '../../storage/blob-store';
import { reportKey } from '../../storage/keys';
import { inferenceSeconds, jobOutcomes, llmTokens } from '../../telemetry/metrics';

export interface LlmSettings {
  /** OpenAI-compatible base URL including /v1, e.g. http://l4-node:8000/v1. Unset → template reports. */
  baseUrl?: string;
  apiKey?: string;
  model: string;
  maxTokens: number;
  stallAbortMs: number;
}

const list = (xs: string[]) => (xs.length > 0 ? xs.join(', ') : '—');
const norm = (s: string) => s.trim().toLowerCase();
const common = (a: string[], b: string[]) => {
  const set = new Set(b.map(norm));
  return a.filter((x) => set.has(norm(x)));
};

function profileText(label: string, p: Profile): string {
  return `${label}${p.name ? ` (${p.name})` : ''}\n- 관심사: ${list(p.interests)}\n- 음악: ${list(p.music)}\n- 소개: ${p.bio}`;
}

function contextText(context: ContextResult[]): string {
  return context
    .filter((c) => c.status === 'ok' && c.items.length > 0)
    .map((c) => `[${c.source}: ${c.provider}]\n${c.items.map((i) => `- ${i.title}${i.snippet ? `: ${i.snippet.slice(0, 160)}` : ''}`).join('\n')}`)
    .join('\n\n');
}

export function reportMessages(req: ReportRequest): OpenAI.Chat.ChatCompletionMessageParam[] {
  const ctx = contextText(req.context);
  return [
    {
      role: 'system',
      content:
        '당신은 두 사람의 대화를 돕는 튜닝 리포트 작성자입니다. 두 프로필과 검색된 참고 자료만 근거로, 공통점, 서로 다른 점이 만드는 대화 거리, 함께 해볼 만한 활동과 첫 대화 주제 3가지를 한국어로 쓰세요. 근거 없는 사실을 지어내지 마세요.',
    },
    { role: 'user', content: `${profileText('A', req.profiles[0])}\n\n${profileText('B', req.profiles[1])}${ctx ? `\n\n참고 자료:\n${ctx}` : ''}` },
  ];
}

/** The report with no LLM: the same facts, laid out by rule. */
export function templateReport(req: ReportRequest): string {
  const [a, b] = req.profiles;
  const nameA = a.name ?? 'A';
  const nameB = b.name ?? 'B';
  const sharedInterests = common(a.interests, b.interests);
  const sharedMusic = common(a.music, b.music);
  const lines = [
    `# 튜닝 리포트: ${nameA} × ${nameB}`,
    '(템플릿 리포트: LLM 엔드포인트가 설정되지 않아 프로필과 검색 결과로 구성했습니다.)',
    '',
    '## 공통점',
    `- 관심사: ${list(sharedInterests)}`,
    `- 음악: ${list(sharedMusic)}`,
    '',
    '## 서로에게 물어볼 것',
    ...a.interests
      .filter((i) => !sharedInterests.includes(i))
      .slice(0, 2)
      .map((i) => `- ${nameB} → ${nameA}: ${i}에 대해`),
    ...b.interests
      .filter((i) => !common(b.interests, a.interests).includes(i))
      .slice(0, 2)
      .map((i) => `- ${nameA} → ${nameB}: ${i}에 대해`),
  ];
  for (const c of req.context) {
    if (c.status !== 'ok' || c.items.length === 0) continue;
    const title = { web: '함께 해볼 만한 것', music: '같이 들어볼 음악', video: '같이 볼 영상' }[c.source];
    lines.push('', `## ${title}`, ...c.items.slice(0, 3).map((i) => `- ${i.title}${i.url ? ` (${i.url})` : ''}`));
  }
  return lines.join('\n');
}

export function createTuningReportActivities({ store, llm }: { store: BlobStore; llm: LlmSettings }) {
  const client = llm.baseUrl ? new OpenAI({ baseURL: llm.baseUrl, apiKey: llm.apiKey ?? 'EMPTY', maxRetries: 0, timeout: 10 * 60_000 }) : undefined;

  async function save(req: ReportRequest, result: Omit<ReportResult, 'reportKey'>): Promise<ReportResult> {
    const key = reportKey(req.tenantId, req.reportId);
    await store.put(key, Buffer.from(JSON.stringify({ reportId: req.reportId, ...result, context: req.context })), { contentType: 'application/json' });
    return { reportKey: key, ...result };
  }

  async function writeTuningReport(req: ReportRequest): Promise<ReportResult> {
    const started = performance.now();
    if (!client) {
      jobOutcomes.inc({ kind: 'report', outcome: 'fallback', code: 'NO_LLM_ENDPOINT' });
      return save(req, { text: templateReport(req), source: 'template', tokens: { prompt: 0, completion: 0 }, generationMs: 0 });
    }
    const guard = guardGpuJob<ReportProgress>(llm.stallAbortMs, { tokens: 0 });
    try {
      const stream = await client.chat.completions.create(
        {
          model: llm.model,
          messages: reportMessages(req),
          // max_tokens is deprecated in the Chat Completions API; vLLM reads either.
          max_completion_tokens: llm.maxTokens,
          temperature: 0.7,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: guard.signal },
      );
      let text = '';
      let chunks = 0;
      let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) {
          text += delta;
          chunks++;
          guard.progress({ tokens: chunks, text });
        }
        if (chunk.usage) usage = chunk.usage;
      }
      if (text.trim() === '') throw new Error(`${llm.model} returned an empty report`);
      // vLLM sends one chunk per token; the usage block, when the server sends it, is exact.
      const tokens = { prompt: usage?.prompt_tokens ?? 0, completion: usage?.completion_tokens ?? chunks };
      const generationMs = Math.round(performance.now() - started);
      llmTokens.observe({ model: llm.model, kind: 'prompt' }, tokens.prompt);
      llmTokens.observe({ model: llm.model, kind: 'completion' }, tokens.completion);
      inferenceSeconds.observe({ model: llm.model, method: 'chat-stream' }, generationMs / 1000);
      jobOutcomes.inc({ kind: 'report', outcome: 'ok', code: '' });
      return await save(req, { text, source: 'llm', model: llm.model, tokens, generationMs });
    } catch (err) {
      const failure = guard.failure(err);
      jobOutcomes.inc({ kind: 'report', outcome: 'failed', code: (failure as { type?: string }).type ?? (failure as Error).name ?? 'ERROR' });
      throw failure;
    } finally {
      guard.dispose();
    }
  }

  return { writeTuningReport };
}
