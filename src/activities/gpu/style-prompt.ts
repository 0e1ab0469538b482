/**
 * I/O-queue activity: Gemini looks at the photo and the user's free-text request ("지브리 스타일로
 * 바꿔줘") and writes the Stable Diffusion prompt. With no API key it returns the catalogue prompt
 * at once; a Gemini error is thrown so Temporal retries it, and the workflow falls back to the
 * catalogue when the retries run out.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { GoogleGenAI } from '@google/genai';
import sharp from 'sharp';
import type { StylePrompt } from '../../shared/gpu-jobs';
import type { E5StyleMatcher } from '../../matching/style-matcher';
import { cataloguePrompt, keywordStyle, matchStyle, STYLE_CATALOGUE } from '../../shared/style-catalogue';
import type { BlobStore } from '../../storage/blob-store';
import { jobOutcomes, stageSeconds } from '../../telemetry/metrics';

export interface GeminiSettings {
  apiKey?: string;
  /** Default GEMINI_MODEL. */
  model?: string;
  /** A Gemini-compatible endpoint instead of Google's (tests' stand-in). */
  baseUrl?: string;
  /** Default GEMINI_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** Fast and cheap, and it reads a photo well enough to describe its subjects for a prompt. */
export const GEMINI_MODEL = 'gemini-2.5-flash';
/** One request's time box: a prompt answer takes seconds; the workflow falls back to the catalogue after that. */
export const GEMINI_TIMEOUT_MS = 30_000;

/** Gemini sees a small JPEG: enough to judge the scene, a fraction of the tokens of the original. */
const PREVIEW_SIDE = 768;

const INSTRUCTION = (request: string, styleIds: string[]) => `You write prompts for Stable Diffusion 1.5 img2img.
The attached photo will be restyled as the user asks. The user's request (any language): ${JSON.stringify(request)}
Describe the photo's main subjects and composition briefly and add the requested style's visual vocabulary.
Answer with JSON only: {"prompt": string (English, comma-separated tags, at most 70 words), "negative_prompt": string, "style": one of ${JSON.stringify(styleIds)} or "other"}.`;

export function createStylePromptActivities({ store, gemini, matcher }: { store: BlobStore; gemini: GeminiSettings; matcher?: E5StyleMatcher }) {
  const client = gemini.apiKey
    ? new GoogleGenAI({
        apiKey: gemini.apiKey,
        // Temporal owns retries (visible in history, with backoff); the SDK's own would hide them.
        httpOptions: { ...(gemini.baseUrl ? { baseUrl: gemini.baseUrl } : {}), timeout: gemini.timeoutMs ?? GEMINI_TIMEOUT_MS, retryOptions: { attempts: 1 } },
      })
    : undefined;

  async function writeStylePrompt(req: { photoKey: string; request: string }): Promise<StylePrompt> {
    if (!client) {
      jobOutcomes.inc({ kind: 'style-prompt', outcome: 'fallback', code: 'NO_API_KEY' });
      // A request that names a style gets it; one that only describes a mood goes to e5.
      const picked = !keywordStyle(req.request) && req.request.trim() ? await matcher?.match(req.request) : undefined;
      return cataloguePrompt(req.request, 'no-api-key', picked ? { style: picked.style, matcher: 'e5', similarity: picked.similarity } : undefined);
    }
    const started = performance.now();
    const preview = await sharp(await store.get(req.photoKey))
      .rotate()
      .resize(PREVIEW_SIDE, PREVIEW_SIDE, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 85 })
      .toBuffer();
    const response = await client.models.generateContent({
      model: gemini.model ?? GEMINI_MODEL,
      contents: [
        {
          role: 'user',
          parts: [
            { inlineData: { mimeType: 'image/jpeg', data: preview.toString('base64') } },
            {
              text: INSTRUCTION(
                req.request,
                STYLE_CATALOGUE.map((s) => s.id),
              ),
            },
          ],
        },
      ],
      config: { responseMimeType: 'application/json', temperature: 0.4, maxOutputTokens: 400 },
    });
    const text = response.text?.trim();
    if (!text) throw ApplicationFailure.retryable('Gemini returned no text', 'GEMINI_EMPTY');
    let parsed: { prompt?: unknown; negative_prompt?: unknown; style?: unknown };
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { prompt: text };
    }
    if (typeof parsed.prompt !== 'string' || parsed.prompt.trim() === '') {
      throw ApplicationFailure.retryable('Gemini answered without a prompt', 'GEMINI_BAD_ANSWER');
    }
    const matched = matchStyle(req.request);
    const geminiPicked = typeof parsed.style === 'string' && STYLE_CATALOGUE.some((s) => s.id === parsed.style);
    const style = geminiPicked ? (parsed.style as string) : matched.id;
    stageSeconds.observe({ kind: 'style', stage: 'prompt' }, (performance.now() - started) / 1000);
    jobOutcomes.inc({ kind: 'style-prompt', outcome: 'ok', code: '' });
    return {
      prompt: parsed.prompt.trim().slice(0, 1000),
      negativePrompt:
        typeof parsed.negative_prompt === 'string' && parsed.negative_prompt.trim() ? parsed.negative_prompt.trim().slice(0, 500) : matched.negativePrompt,
      style,
      source: 'gemini',
      matcher: geminiPicked ? 'gemini' : keywordStyle(req.request) ? 'keyword' : 'default',
      model: gemini.model ?? GEMINI_MODEL,
    };
  }

  return { writeStylePrompt };
}
