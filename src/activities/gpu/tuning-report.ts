/**
 * Activity of the llm class's queue: the tuning report, written by an LLM backend (src/llm: vLLM
 * on an L4 node, llama.cpp in process on a CPU node) from facts the code computed, streamed,
 * heartbeating the text so far (a node that stops producing tokens stops heartbeating, and
 * Temporal retries the job on another worker). With no backend, or one that cannot load its
 * model, a template report is built from the same profiles and context, and marked as such.
 */
import { GPU_STALL_ABORT_MS, guardGpuJob } from './heartbeat';
import { LlmUnavailableError, type LlmBackend } from '../../llm/backend';
import { reportFacts, reportMessages, responsePrefix, unsupportedClaims } from '../../llm/report-facts';
import type { ReportProgress, ReportRequest, ReportResult } from '../../shared/gpu-jobs';
import type { BlobStore } from '../../storage/blob-store';
import { reportKey } from '../../storage/keys';
import { inferenceSeconds, jobOutcomes, llmTokens } from '../../telemetry/metrics';

const list = (xs: string[]) => (xs.length > 0 ? xs.join(', ') : '—');
const norm = (s: string) => s.trim().toLowerCase();
const common = (a: string[], b: string[]) => {
  const set = new Set(b.map(norm));
  return a.filter((x) => set.has(norm(x)));
};

const TEMPLATE_WHY = {
  'no-llm': 'LLM이 설정되거나 설치되지 않아',
  'llm-unavailable': 'LLM 모델을 불러오지 못해',
} as const;

/** The report with no LLM: the same facts, laid out by rule. */
export function templateReport(req: ReportRequest, why: keyof typeof TEMPLATE_WHY = 'no-llm'): string {
  const [a, b] = req.profiles;
  const nameA = a.name ?? 'A';
  const nameB = b.name ?? 'B';
  const sharedInterests = common(a.interests, b.interests);
  const sharedMusic = common(a.music, b.music);
  const lines = [
    `# 튜닝 리포트: ${nameA} × ${nameB}`,
    `(템플릿 리포트: ${TEMPLATE_WHY[why]} 프로필과 검색 결과로 구성했습니다.)`,
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

export interface TuningReportDeps {
  store: BlobStore;
  /** None: every report is the template. */
  backend?: LlmBackend;
  /** Why there is no backend, for the log and the template's notes. */
  noBackendReason?: string;
  /** Completion tokens per report at most: REPORT_MAX_TOKENS or, in process, LOCAL_REPORT_MAX_TOKENS. */
  maxTokens: number;
  /** Tests stall sooner; the worker runs GPU_STALL_ABORT_MS. */
  stallAbortMs?: number;
}

/** Room for the report's sections, without letting a model ramble on while it holds a GPU slot. */
export const REPORT_MAX_TOKENS = 700;
/** The CPU model writes slowly: a shorter report keeps the wait for it in minutes, not tens of minutes. */
export const LOCAL_REPORT_MAX_TOKENS = 240;

// Low enough that the small CPU model keeps to the facts, high enough that reports do not all read alike.
const TEMPERATURE = 0.5;
// Well inside the shortest heartbeat timeout a deployment sets (60 s by default).
const PROMPT_HEARTBEAT_MS = 5_000;

export function createTuningReportActivities({ store, backend, noBackendReason, maxTokens, stallAbortMs = GPU_STALL_ABORT_MS }: TuningReportDeps) {
  async function save(req: ReportRequest, result: Omit<ReportResult, 'reportKey'>): Promise<ReportResult> {
    const key = reportKey(req.tenantId, req.reportId);
    await store.put(key, Buffer.from(JSON.stringify({ reportId: req.reportId, ...result, context: req.context })), { contentType: 'application/json' });
    return { reportKey: key, ...result };
  }

  function template(req: ReportRequest, why: 'no-llm' | 'llm-unavailable', notes: string[]): Promise<ReportResult> {
    jobOutcomes.inc({ kind: 'report', outcome: 'fallback', code: why === 'no-llm' ? 'NO_LLM_ENDPOINT' : 'LLM_UNAVAILABLE' });
    const facts = reportFacts(req);
    return save(req, {
      text: templateReport(req, why),
      source: 'template',
      backend: 'template',
      fallbackReason: why,
      facts: facts.facts,
      notes,
      tokens: { prompt: 0, completion: 0 },
      generationMs: 0,
    });
  }

  async function writeTuningReport(req: ReportRequest): Promise<ReportResult> {
    const started = performance.now();
    if (!backend) return template(req, 'no-llm', noBackendReason ? [noBackendReason] : []);
    const facts = reportFacts(req);
    const messages = reportMessages(facts);
    const guard = guardGpuJob<ReportProgress>(stallAbortMs, { tokens: 0 });
    let streaming = false;
    const reading = backend.slowPrompt ? setInterval(() => streaming || guard.alive(), PROMPT_HEARTBEAT_MS) : undefined;
    try {
      const out = await backend.generate(messages, {
        maxTokens,
        temperature: TEMPERATURE,
        signal: guard.signal,
        responsePrefix: responsePrefix(facts),
        onText: (text, tokens) => {
          streaming = true;
          guard.progress({ tokens, text });
        },
      });
      const text = out.text.trim();
      if (text === '') throw new Error(`${backend.model} returned an empty report`);
      const generationMs = Math.round(performance.now() - started);
      llmTokens.observe({ model: backend.model, kind: 'prompt' }, out.tokens.prompt);
      llmTokens.observe({ model: backend.model, kind: 'completion' }, out.tokens.completion);
      inferenceSeconds.observe({ model: backend.model, method: 'chat-stream' }, generationMs / 1000);
      jobOutcomes.inc({ kind: 'report', outcome: 'ok', code: '' });
      const input = messages.map((m) => m.content).join('\n');
      return await save(req, {
        text,
        source: 'llm',
        model: backend.model,
        backend: backend.name,
        facts: facts.facts,
        unsupported: unsupportedClaims(text, input, req.profiles),
        notes: facts.notes,
        tokens: out.tokens,
        generationMs,
      });
    } catch (err) {
      if (err instanceof LlmUnavailableError) return template(req, 'llm-unavailable', [...facts.notes, err.message]);
      const failure = guard.failure(err);
      jobOutcomes.inc({ kind: 'report', outcome: 'failed', code: (failure as { type?: string }).type ?? (failure as Error).name ?? 'ERROR' });
      throw failure;
    } finally {
      clearInterval(reading);
      guard.dispose();
    }
  }

  return { writeTuningReport };
}
