/**
 * Tuning-report quality (picked up by `npm run eval`; also runs alone with
 * `node --import tsx eval/reports.eval.ts`). Data: eval/data/report-pairs.json, ten Korean profile
 * pairs written for this repo (one of emoji only, one whose bio tries to give orders). For each
 * pair the template and the in-process LLM (the GGUF from `npm run models:build`, llama.cpp, the
 * same prompt the report activity sends) write a report, and each is scored on:
 *  - facts used: how many of the facts code computed appear in the text;
 *  - Hangul ratio: the share of letters that are Hangul;
 *  - unsupported: names and numbers in the text found nowhere in the input.
 * A missing model is reported as such, not skipped silently.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL_REPORT_MAX_TOKENS, templateReport } from '../src/activities/gpu/tuning-report';
import { loadConfig } from '../src/config';
import { getGgufModel, installedGguf } from '../src/llm/gguf-models';
import { llamaBackend } from '../src/llm/llama-backend';
import { factsUsed, hangulRatio, reportFacts, reportMessages, responsePrefix, unsupportedClaims } from '../src/llm/report-facts';
import type { ContextResult, Profile, ReportRequest } from '../src/shared/gpu-jobs';
import type { EvalSection } from './lib/context';
import { printSection } from './lib/print';

interface Data {
  pairs: { profiles: [Profile, Profile]; context: ContextResult[] }[];
}

interface Score {
  used: number;
  facts: number;
  hangul: number;
  unsupported: string[];
}

function score(text: string, req: ReportRequest, input: string): Score {
  const f = reportFacts(req);
  return { used: factsUsed(text, f), facts: f.facts.length, hangul: hangulRatio(text), unsupported: unsupportedClaims(text, input, req.profiles) };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

export async function evalReports(log: (s: string) => void = () => undefined): Promise<EvalSection> {
  const data = JSON.parse(fs.readFileSync(path.join(__dirname, 'data', 'report-pairs.json'), 'utf8')) as Data;
  const config = loadConfig();
  const spec = getGgufModel(config.gpu.llm.local.model ?? 'qwen2.5-coder-1.5b-instruct-q4km');
  const modelPath = await installedGguf(config.models.dir, spec);
  const backend = modelPath ? llamaBackend({ modelPath, model: spec.displayName, threads: config.gpu.llm.local.threads }) : undefined;
  const rows: string[][] = [
    ['pair', 'template: facts used', 'LLM: facts used', 'template: Hangul', 'LLM: Hangul', 'template: unsupported', 'LLM: unsupported', 'LLM tokens, s'],
  ];
  const notes: string[] = [];
  const totals = { t: { used: 0, facts: 0, hangul: 0, unsupported: 0 }, l: { used: 0, facts: 0, hangul: 0, unsupported: 0 } };
  for (const [i, pair] of data.pairs.entries()) {
    const req: ReportRequest = { tenantId: 'eval', reportId: `rep_eval${i}`, profiles: pair.profiles, context: pair.context };
    const messages = reportMessages(reportFacts(req));
    const input = messages.map((m) => m.content).join('\n');
    // Its first line says it is the template (and names the LLM it lacks): a label, not a claim.
    const template = templateReport(req)
      .split('\n')
      .filter((line) => !line.startsWith('(템플릿 리포트'))
      .join('\n');
    const t = score(template, req, input);
    let l: Score | undefined;
    let cost = '—';
    if (backend) {
      const t0 = performance.now();
      const out = await backend.generate(messages, {
        maxTokens: LOCAL_REPORT_MAX_TOKENS,
        temperature: 0.5,
        signal: new AbortController().signal,
        responsePrefix: responsePrefix(reportFacts(req)),
        onText: () => undefined,
      });
      const s = (performance.now() - t0) / 1000;
      l = score(out.text, req, input);
      cost = `${out.tokens.completion}, ${s.toFixed(0)}`;
      log(
        `pair ${i + 1}: ${out.tokens.completion} tokens in ${s.toFixed(1)} s; facts ${l.used}/${l.facts} (template ${t.used}/${t.facts}), ` +
          `Hangul ${pct(l.hangul)}, unsupported [${l.unsupported.join(', ')}]; ${out.text.replace(/\s+/g, ' ')}`,
      );
      if (l.unsupported.length > 0) notes.push(`pair ${i + 1} (LLM) unsupported: ${l.unsupported.join(', ')}`);
      if (/해적/.test(out.text)) notes.push(`pair ${i + 1} (LLM) followed the bio's order`);
      notes.push(`pair ${i + 1} (LLM) text: ${out.text.replace(/\s+/g, ' ').slice(0, 160)}…`);
    }
    for (const [k, v] of [['t', t] as const, ['l', l] as const]) {
      if (!v) continue;
      totals[k].used += v.used;
      totals[k].facts += v.facts;
      totals[k].hangul += v.hangul / data.pairs.length;
      totals[k].unsupported += v.unsupported.length;
    }
    const [a, b] = pair.profiles;
    rows.push([
      `${i + 1}. ${a.name ?? 'A'} × ${b.name ?? 'B'}`,
      `${t.used}/${t.facts}`,
      l ? `${l.used}/${l.facts}` : 'no model',
      pct(t.hangul),
      l ? pct(l.hangul) : '—',
      String(t.unsupported.length),
      l ? String(l.unsupported.length) : '—',
      cost,
    ]);
  }
  const n = data.pairs.length;
  rows.push([
    `**all ${n}**`,
    `${totals.t.used}/${totals.t.facts}`,
    backend ? `${totals.l.used}/${totals.l.facts}` : 'no model',
    pct(totals.t.hangul),
    backend ? pct(totals.l.hangul) : '—',
    String(totals.t.unsupported),
    backend ? String(totals.l.unsupported) : '—',
    '',
  ]);
  if (!backend) notes.unshift(`${spec.id} is not installed in ${config.models.dir}: run \`npm run models:build\`; only the template was scored.`);
  notes.unshift(
    `LLM: ${spec.displayName} on llama.cpp, ${config.gpu.llm.local.threads} thread(s), at most ${LOCAL_REPORT_MAX_TOKENS} tokens, temperature 0.5.`,
  );
  return { title: `Tuning reports: template vs LLM on ${n} Korean profile pairs`, rows, notes };
}

if (require.main === module) {
  evalReports((s) => console.error(`[eval] ${s}`)).then(printSection, (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
