/**
 * Korean paraphrase matching quality (picked up by `npm run eval`; also runs alone with
 * `node --import tsx eval/matching.eval.ts`). Data: eval/data/korean-paraphrases.json, sentences
 * written for this repo: 24 profiles, each with a paraphrase that shares few words with it, and 24
 * distractor profiles on other themes. Each paraphrase is the query; all 48 profiles are ranked by
 * cosine and the rank of its own profile counts: top-1, top-3 and mean reciprocal rank (MRR).
 *
 * Rows: multilingual-e5-small fp32 and int8 as matching runs them (`query: ` on both sides), the
 * int8 model with e5's asymmetric `passage: ` on the profiles (the prefix choice, measured), and
 * the character n-gram fallback that runs when no sentence model is installed. The e5 models come
 * from the models dir (`npm run models:build`); a missing one is reported as such, not skipped
 * silently.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadConfig } from '../src/config';
import { createModelRuntime, ModelUnavailableError, type SessionPool } from '../src/models';
import { getModelSpec, type WordPiecePreprocessing } from '../src/models/registry';
import { HashingEmbedder, HASHING_DEFAULT_DIM } from '../src/models/text/hashing-embedder';
import { SentenceEmbedder } from '../src/models/text/sentence-embedder';
import { WordPieceTokenizer } from '../src/models/text/wordpiece-tokenizer';
import { l2Normalize } from '../src/vectors/math';
import type { EvalSection } from './lib/context';
import { modelRolesFor } from '../src/models/roles';

interface Data {
  pairs: { profile: string; paraphrase: string }[];
  distractors: string[];
}

export interface RankingScore {
  method: string;
  top1: number;
  top3: number;
  mrr: number;
  queries: number;
}

type Embed = (texts: readonly string[]) => Promise<Float32Array[]>;

export function loadParaphrases(): Data {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'data', 'korean-paraphrases.json'), 'utf8')) as Data;
}

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Ranks every profile for every paraphrase; query i's own profile is profile i. */
export function score(method: string, queries: Float32Array[], profiles: Float32Array[]): RankingScore {
  let top1 = 0;
  let top3 = 0;
  let rr = 0;
  queries.forEach((q, i) => {
    const own = dot(q, profiles[i]!);
    // Ties count against the pair: a method that scores everything equal ranks nothing.
    const rank = 1 + profiles.filter((p, j) => j !== i && dot(q, p) >= own).length;
    if (rank === 1) top1++;
    if (rank <= 3) top3++;
    rr += 1 / rank;
  });
  return { method, top1, top3, mrr: rr / queries.length, queries: queries.length };
}

async function inBatches(embed: Embed, texts: readonly string[], size = 16): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += size) out.push(...(await embed(texts.slice(i, i + size))));
  return out;
}

/** e5 with another prefix on one side: the registry model's session, its tokenizer re-framed. */
async function prefixedEmbed(sessions: SessionPool, modelId: string, prefix: string): Promise<Embed> {
  const spec = getModelSpec(modelId);
  const session = await sessions.get(spec);
  const p = spec.preprocessing as WordPiecePreprocessing;
  const tokenizer = await WordPieceTokenizer.fromFile(session.installed.paths[p.tokenizerFile]!, { ...p, textPrefix: prefix });
  return async (texts) => {
    const b = tokenizer.encodeBatch(texts);
    const dims = [b.rows, b.sequence];
    const out = await session.run({ input_ids: new ort.Tensor('int64', b.inputIds, dims), attention_mask: new ort.Tensor('int64', b.attentionMask, dims) });
    const states = out.last_hidden_state!.data as Float32Array;
    const dim = spec.embeddingDim!;
    return Array.from({ length: b.rows }, (_, r) => {
      const sum = new Float32Array(dim);
      let n = 0;
      for (let s = 0; s < b.sequence; s++) {
        if (b.attentionMask[r * b.sequence + s] === 0n) continue;
        n++;
        for (let d = 0; d < dim; d++) sum[d]! += states[(r * b.sequence + s) * dim + d]!;
      }
      return l2Normalize(sum.map((v) => v / n));
    });
  };
}

export async function evaluateMatching(modelsDir: string, hashingDim: number): Promise<{ rows: RankingScore[]; missing: string[] }> {
  const data = loadParaphrases();
  const queries = data.pairs.map((p) => p.paraphrase);
  const profiles = [...data.pairs.map((p) => p.profile), ...data.distractors];
  const { sessions } = createModelRuntime({ dir: modelsDir, intraOpThreads: undefined });
  const rows: RankingScore[] = [];
  const missing: string[] = [];

  for (const id of ['multilingual-e5-small', 'multilingual-e5-small-int8']) {
    try {
      const e = new SentenceEmbedder(sessions, id);
      const embed: Embed = async (t) => (await e.embed(t)).embeddings;
      const q = await inBatches(embed, queries);
      rows.push(score(`${e.ref} (query: / query:)`, q, await inBatches(embed, profiles)));
      if (id.endsWith('-int8')) {
        rows.push(score(`${e.ref} (query: / passage:)`, q, await inBatches(await prefixedEmbed(sessions, id, 'passage: '), profiles)));
      }
    } catch (err) {
      if (!(err instanceof ModelUnavailableError)) throw err;
      missing.push(`${id}: ${err.message}`);
    }
  }
  const hashing = new HashingEmbedder(hashingDim);
  rows.push(score(`${hashing.ref} (n-gram fallback)`, hashing.embed(queries), hashing.embed(profiles)));
  await sessions.close();
  return { rows, missing };
}

/** The section `npm run eval` prints (scripts/eval.ts). */
export async function evalMatching(): Promise<EvalSection> {
  const config = loadConfig();
  const data = loadParaphrases();
  const { rows, missing } = await evaluateMatching(config.models.dir, HASHING_DEFAULT_DIM);
  return {
    title: `Korean paraphrase matching: ${data.pairs.length} paraphrases ranked among ${data.pairs.length + data.distractors.length} profiles`,
    rows: [
      ['method (query prefix / profile prefix)', 'top-1', 'top-3', 'MRR'],
      ...rows.map((r) => [r.method, `${r.top1}/${r.queries}`, `${r.top3}/${r.queries}`, r.mrr.toFixed(3)]),
    ],
    notes: [`default sentence model: ${modelRolesFor(config.models).sentence}`, ...missing.map((m) => `not measured: ${m} (run npm run models:build)`)],
  };
}

async function main(): Promise<void> {
  const section = await evalMatching();
  console.log(`\n### ${section.title}\n`);
  const [head, ...body] = section.rows;
  console.log(`| ${head!.join(' | ')} |\n|${head!.map(() => '---').join('|')}|`);
  for (const r of body) console.log(`| ${r.join(' | ')} |`);
  for (const n of section.notes ?? []) console.log(`- ${n}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
