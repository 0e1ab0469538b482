/**
 * What tests and benches change in a worker that no deployment does: stand-in endpoints, fewer
 * render steps, shorter reports and stalls. Each default lives beside the code that uses it.
 */
import type { ContextEndpoints } from '../activities/gpu/tuning-context';
import type { RenderSettings } from '../activities/gpu/style-render';

export interface WorkerTuning {
  /** Diffusion class: steps, size, strength, stall abort (RENDER_SETTINGS). */
  render?: Partial<RenderSettings>;
  /** Diffusion class: how often an A1111 render's progress is read (PROGRESS_POLL_MS). */
  progressPollMs?: number;
  /** LLM class: completion tokens per report (REPORT_MAX_TOKENS, LOCAL_REPORT_MAX_TOKENS). */
  reportMaxTokens?: number;
  /** I/O: a Gemini-compatible stand-in instead of Google's endpoint. */
  geminiBaseUrl?: string;
  /** I/O: stand-ins for the tuning report's context sources (CONTEXT_ENDPOINTS). */
  contextEndpoints?: ContextEndpoints;
}
