/**
 * The CPU node's backend: a GGUF model run by llama.cpp inside this process (node-llama-cpp with
 * its prebuilt CPU binary: no download, no compile). The model is loaded once per process and
 * shared; each report gets a context sized for its prompt and is disposed after. One report at a
 * time: a second would only halve the speed of both on the same cores.
 */
import fs from 'node:fs/promises';
import type { Llama, LlamaModel } from 'node-llama-cpp';
import { LlmUnavailableError, type Generation, type GenerateOptions, type LlmBackend } from './backend';
import type { ChatMessage } from './report-facts';

export interface LlamaBackendSettings {
  modelPath: string;
  /** What reports record as the model. */
  model: string;
  /** CPU threads for evaluation (INFERENCE_THREADS, default 1). */
  threads: number;
}

// Chat-template tokens around the two messages and the forced answer prefix, with a margin: a
// context that fills up is shifted, which re-reads it with no token coming out for a long time.
const TEMPLATE_OVERHEAD_TOKENS = 128;
// Tokens per native evaluation call of the prompt: a cancel lands between calls, so keep them short.
const BATCH_SIZE = 32;

let inFlight = 0;

/** Generations whose native evaluation is still running in this process (a cancelled one until it has stopped). */
export const llamaGenerationsInFlight = () => inFlight;

const loaded = new Map<string, Promise<{ llama: Llama; model: LlamaModel }>>();

async function load(modelPath: string): Promise<{ llama: Llama; model: LlamaModel }> {
  let p = loaded.get(modelPath);
  if (!p) {
    p = (async () => {
      await fs.access(modelPath).catch(() => {
        throw new LlmUnavailableError(`GGUF model not found at ${modelPath}`);
      });
      const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
      // maxThreads 0: each context's `threads` is then the count actually used.
      const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 0, logLevel: LlamaLogLevel.error });
      try {
        return { llama, model: await llama.loadModel({ modelPath }) };
      } catch (err) {
        throw new LlmUnavailableError(`GGUF model at ${modelPath} failed to load: ${err instanceof Error ? err.message : String(err)}`);
      }
    })();
    loaded.set(modelPath, p);
    p.catch(() => loaded.delete(modelPath));
  }
  return p;
}

export function llamaBackend(s: LlamaBackendSettings): LlmBackend {
  return {
    name: 'llama.cpp',
    model: s.model,
    slotsPerDevice: 1,
    slowPrompt: true,
    async warmUp() {
      await load(s.modelPath);
    },
    async generate(messages: ChatMessage[], opts: GenerateOptions): Promise<Generation> {
      const { model } = await load(s.modelPath);
      const { LlamaChatSession } = await import('node-llama-cpp');
      const system = messages
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n');
      const user = messages
        .filter((m) => m.role === 'user')
        .map((m) => m.content)
        .join('\n');
      const promptTokens = model.tokenize(system).length + model.tokenize(user).length + TEMPLATE_OVERHEAD_TOKENS;
      const contextSize = Math.min(model.trainContextSize, promptTokens + opts.maxTokens);
      const context = await model.createContext({ contextSize, batchSize: Math.min(BATCH_SIZE, contextSize), threads: s.threads });
      const sequence = context.getSequence();
      const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: system });
      let text = '';
      let tokens = 0;
      // The forced prefix comes out at once, before the prompt is read: it is not progress.
      let prefixPending = Boolean(opts.responsePrefix);
      inFlight++;
      const generating = session.prompt(user, {
        maxTokens: opts.maxTokens,
        temperature: opts.temperature,
        signal: opts.signal,
        responsePrefix: opts.responsePrefix,
        onToken: (t) => {
          if (prefixPending) prefixPending = false;
          else tokens += t.length;
        },
        onTextChunk: (chunk) => {
          text += chunk;
          if (tokens > 0) opts.onText(text, tokens);
        },
      });
      // Answer the abort at once; the native call in flight (one batch at most) ends on its own.
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(opts.signal.reason instanceof Error ? opts.signal.reason : new Error(String(opts.signal.reason ?? 'aborted')));
        if (opts.signal.aborted) onAbort();
        else opts.signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const answer = await Promise.race([generating, aborted]);
        return { text: answer, tokens: { prompt: sequence.tokenMeter.usedInputTokens, completion: sequence.tokenMeter.usedOutputTokens || tokens } };
      } finally {
        if (onAbort) opts.signal.removeEventListener('abort', onAbort);
        aborted.catch(() => undefined);
        const stopped = () => {
          inFlight--;
          return context.dispose();
        };
        void generating.then(stopped, stopped);
      }
    },
  };
}

/** Loads the model now (a worker's start-up) instead of at its first report. */
export async function preloadGguf(modelPath: string): Promise<void> {
  await load(modelPath);
}
