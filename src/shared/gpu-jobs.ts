/**
 * Contracts of the GPU-backed jobs (style transfer, tuning reports) shared by their workflows,
 * activities and the API. Types and small pure helpers only: workflow code imports this.
 */
import type { GpuTimeouts } from './task-queues';

export const styleWorkflowId = (tenantId: string, styleId: string) => `style-${tenantId}-${styleId}`;
export const reportWorkflowId = (tenantId: string, reportId: string) => `report-${tenantId}-${reportId}`;

/** Longest free-text style request accepted (the seeds' requests are one sentence). */
export const MAX_STYLE_REQUEST_CHARS = 500;

/** What a job is doing, as the status endpoints show it. */
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

// ---------------------------------------------------------------------------------------------
// Style transfer

export interface StyleTransferInput {
  tenantId: string;
  styleId: string;
  albumId: string;
  photoId: string;
  /** Blob key of the album photo (storage/keys.ts albumPhotoKey). */
  photoKey: string;
  request: string;
  createdAt: string;
  gpu: GpuTimeouts;
  /** Style by example: another photo of the same album whose look is painted onto this one. */
  styleFrom?: { photoId: string; photoKey: string };
}

/** Who picked the catalogue style: a keyword the request names, Gemini, e5 similarity, or the default. */
export type StyleMatcher = 'keyword' | 'gemini' | 'e5' | 'default';

export interface StylePrompt {
  prompt: string;
  negativePrompt: string;
  /** Catalogue style the request matched (also the fallback's choice). */
  style: string;
  /** gemini: written by Gemini from the image and request; catalogue: the deterministic fallback; example: style by example (no prompt). */
  source: 'gemini' | 'catalogue' | 'example';
  /** Which matcher chose `style` (absent on results recorded before it existed). */
  matcher?: StyleMatcher;
  /** e5's cosine similarity between the request and the chosen style's description. */
  similarity?: number;
  /** Why the catalogue was used. */
  fallbackReason?: 'no-api-key' | 'gemini-failed';
  model?: string;
}

export interface RenderRequest {
  tenantId: string;
  styleId: string;
  photoKey: string;
  prompt: string;
  negativePrompt: string;
  style: string;
  /** Style by example: the reference photo's blob key. */
  styleImageKey?: string;
}

export interface RenderResult {
  resultKey: string;
  width: number;
  height: number;
  /** Which backend or network rendered it: "automatic1111", "multistyle26", "magenta-arbitrary" or "cpu-sharp". */
  backend: string;
  /** True only when the colour filter stood in (no A1111 server and no style network installed). */
  fallback: boolean;
  steps: number;
  renderMs: number;
}

/** Heartbeat details of the render activity: the progress the status endpoint shows. */
export interface RenderProgress {
  step: number;
  totalSteps: number;
  fraction: number;
}

export interface StyleTransferResult {
  styleId: string;
  prompt: StylePrompt;
  render: RenderResult;
}

export type StylePhase = 'writing-prompt' | 'rendering' | 'done';

export interface StyleWorkflowView {
  styleId: string;
  phase: StylePhase;
  prompt?: StylePrompt;
}

// ---------------------------------------------------------------------------------------------
// Tuning reports

export interface Profile {
  name?: string;
  interests: string[];
  music: string[];
  bio: string;
}

export interface TuningReportInput {
  tenantId: string;
  reportId: string;
  profiles: [Profile, Profile];
  createdAt: string;
  gpu: GpuTimeouts;
  /** Each context source is time-boxed to this. */
  contextTimeoutMs: number;
}

export type ContextSource = 'web' | 'music' | 'video';

export interface ContextItem {
  title: string;
  url?: string;
  snippet?: string;
}

export interface ContextResult {
  source: ContextSource;
  /** ok: results came back; skipped: not configured; failed: errors or the time box ran out. */
  status: 'ok' | 'skipped' | 'failed';
  provider: string;
  query?: string;
  items: ContextItem[];
  error?: string;
}

export interface ReportRequest {
  tenantId: string;
  reportId: string;
  profiles: [Profile, Profile];
  context: ContextResult[];
}

export interface ReportResult {
  reportKey: string;
  text: string;
  /** llm: written by the model; template: built from the context with no LLM endpoint. */
  source: 'llm' | 'template';
  model?: string;
  tokens: { prompt: number; completion: number };
  generationMs: number;
}

export interface ReportProgress {
  tokens: number;
  /** The report so far: the console shows it growing as tokens arrive (a report is a few KB). */
  text?: string;
}

export interface TuningReportResult {
  reportId: string;
  context: ContextResult[];
  report: ReportResult;
}

export type ReportPhase = 'gathering-context' | 'writing-report' | 'done';

export interface ReportWorkflowView {
  reportId: string;
  phase: ReportPhase;
  context: ContextResult[];
}
