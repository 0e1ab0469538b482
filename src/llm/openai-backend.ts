/** The production backend: Qwen2.5-7B-Instruct behind vLLM's OpenAI-compatible server, streamed. */
import OpenAI from 'openai';
import type { Generation, GenerateOptions, LlmBackend } from './backend';
import type { ChatMessage } from './report-facts';

export interface OpenAiBackendSettings {
  /** OpenAI-compatible base URL including /v1, e.g. http://l4-node:8000/v1. */
  baseUrl: string;
  apiKey?: string;
  model: string;
}

export function openAiBackend(s: OpenAiBackendSettings): LlmBackend {
  const client = new OpenAI({ baseURL: s.baseUrl, apiKey: s.apiKey ?? 'EMPTY', maxRetries: 0, timeout: 10 * 60_000 });
  return {
    name: 'vllm',
    model: s.model,
    async generate(messages: ChatMessage[], opts: GenerateOptions): Promise<Generation> {
      const stream = await client.chat.completions.create(
        {
          model: s.model,
          messages,
          // max_tokens is deprecated in the Chat Completions API; vLLM reads either.
          max_completion_tokens: opts.maxTokens,
          temperature: opts.temperature,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: opts.signal },
      );
      let text = '';
      let chunks = 0;
      let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) {
          text += delta;
          chunks++;
          opts.onText(text, chunks);
        }
        if (chunk.usage) usage = chunk.usage;
      }
      // vLLM sends one chunk per token; the usage block, when the server sends it, is exact.
      return { text, tokens: { prompt: usage?.prompt_tokens ?? 0, completion: usage?.completion_tokens ?? chunks } };
    },
  };
}
