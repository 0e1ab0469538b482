/**
 * Which backend the llm-class worker uses, from config alone: an endpoint set → vLLM; else an
 * installed GGUF → llama.cpp in process; else none, and reports are the template, saying why.
 */
import type { Config } from '../config';
import type { LlmBackend } from './backend';
import { getGgufModel, installedGguf } from './gguf-models';
import { llamaBackend } from './llama-backend';
import { openAiBackend } from './openai-backend';

export interface BackendChoice {
  backend?: LlmBackend;
  /** Why this one (logged at start-up; the template report quotes it). */
  reason: string;
}

export async function chooseLlmBackend(config: Config): Promise<BackendChoice> {
  const llm = config.gpu.llm;
  if (llm.baseUrl)
    return { backend: openAiBackend({ baseUrl: llm.baseUrl, apiKey: llm.apiKey, model: llm.model }), reason: `LLM_BASE_URL is set (${llm.baseUrl})` };
  if (!llm.local.model) return { reason: 'LLM_BASE_URL is unset and LLM_LOCAL_MODEL is none' };
  const spec = getGgufModel(llm.local.model);
  const modelPath = await installedGguf(config.models.dir, spec);
  if (!modelPath) return { reason: `LLM_BASE_URL is unset and ${spec.id} is not installed in ${config.models.dir} (npm run models:build)` };
  return {
    backend: llamaBackend({ modelPath, model: spec.displayName, threads: llm.local.threads }),
    reason: `${spec.id} installed; llama.cpp with ${llm.local.threads} thread(s)`,
  };
}
