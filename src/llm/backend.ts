/**
 * One interface for whatever writes a tuning report: vLLM's OpenAI-compatible server on an L4 node
 * (src/llm/openai-backend.ts) or llama.cpp in this process on a CPU node (src/llm/llama-backend.ts).
 * The report activity streams through it the same way either way.
 */
import type { ChatMessage } from './report-facts';

export interface GenerateOptions {
  maxTokens: number;
  temperature: number;
  /** Aborts generation: the backend stops and rejects with an error. */
  signal: AbortSignal;
  /** The answer's first words, where the backend can force them (llama.cpp does; vLLM starts on its own). */
  responsePrefix?: string;
  /** Called as text arrives, with the whole text so far and the tokens generated so far. */
  onText(text: string, tokens: number): void;
}

export interface Generation {
  text: string;
  tokens: { prompt: number; completion: number };
}

export interface LlmBackend {
  /** What ran it, as reports record it: 'vllm' or 'llama.cpp'. */
  readonly name: 'vllm' | 'llama.cpp';
  /** The model as reports record it. */
  readonly model: string;
  /** Reports this backend runs at once per GPU (vLLM batches) or per CPU node (llama.cpp: one). */
  readonly slotsPerDevice?: number;
  /**
   * Reading the prompt takes longer than the heartbeat timeout (a CPU, model loading on first use):
   * heartbeat while it does, so Temporal does not move the job; the stall abort still applies.
   */
  readonly slowPrompt?: boolean;
  /** Loads the model ahead of the first report (a worker's start-up). */
  warmUp?(): Promise<void>;
  generate(messages: ChatMessage[], opts: GenerateOptions): Promise<Generation>;
  close?(): Promise<void>;
}

/** The backend cannot run at all (its model file vanished, it failed to load): the template stands in. */
export class LlmUnavailableError extends Error {
  override readonly name = 'LlmUnavailableError';
}
