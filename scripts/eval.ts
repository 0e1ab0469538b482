/**
 * `npm run eval`: the photo models' quality on real photographs from registries (scikit-image's
 * data, Debian's opencv-doc and mate-backgrounds; src/dev/registry-photos.ts), printed as Markdown
 * tables (eval/latest-run.md is the last committed run's output). Needs the built models (`npm run models:build`).
 * Other evals (eval/*.eval.ts) add their sections here.
 */
import { DEFAULT_SIMILAR_THRESHOLD } from '../src/analysis/similar';
import { evalCategories } from '../eval/categories.eval';
import { evalCleanbot } from '../eval/cleanbot.eval';
import { evalFaces } from '../eval/faces.eval';
import { evalMatching } from '../eval/matching.eval';
import { createEvalContext, type EvalSection } from '../eval/lib/context';
import { evalSamePhotos } from '../eval/same-photos.eval';
import { evalPeopleAndSearch } from '../eval/people.eval';
import { evalReports } from '../eval/reports.eval';
import { evalSimilarGroups } from '../eval/similar-groups.eval';
import { evalStyle } from '../eval/style.eval';

function print(section: EvalSection): void {
  console.log(`\n### ${section.title}\n`);
  const [head, ...body] = section.rows;
  console.log(`| ${head!.join(' | ')} |`);
  console.log(`|${head!.map(() => '---').join('|')}|`);
  for (const r of body) console.log(`| ${r.join(' | ')} |`);
  if (section.notes?.length) console.log(`\n${section.notes.map((n) => `- ${n}`).join('\n')}`);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  // Text first: it needs only the e5 models, not the photos.
  print(await evalMatching());
  print(await evalCleanbot());
  const ctx = await createEvalContext((s) => console.error(`[eval] ${s}`));
  print(await evalCategories(ctx));
  const faces = await evalFaces(ctx);
  print(faces.detection);
  print(faces.people);
  const people = await evalPeopleAndSearch(ctx);
  print(people.matching);
  print(people.search);
  print(people.falseFaces);
  const same = await evalSamePhotos(ctx, DEFAULT_SIMILAR_THRESHOLD);
  print(same.copies);
  print(same.similar);
  print(await evalSimilarGroups(ctx, DEFAULT_SIMILAR_THRESHOLD));
  print(await evalStyle((s) => console.error(`[eval] ${s}`)));
  // Last: the LLM writes ten reports, minutes on a CPU.
  print(await evalReports((s) => console.error(`[eval] ${s}`)));
  console.error(`[eval] done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  console.error(`[eval] ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
