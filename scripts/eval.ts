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
import { createEvalContext } from '../eval/lib/context';
import { printSection } from '../eval/lib/print';
import { evalSamePhotos } from '../eval/same-photos.eval';
import { evalPeopleAndSearch } from '../eval/people.eval';
import { evalReports } from '../eval/reports.eval';
import { evalSimilarGroups } from '../eval/similar-groups.eval';
import { evalStyle } from '../eval/style.eval';

async function main(): Promise<void> {
  const t0 = Date.now();
  // Text first: it needs only the e5 models, not the photos.
  printSection(await evalMatching());
  printSection(await evalCleanbot());
  const ctx = await createEvalContext((s) => console.error(`[eval] ${s}`));
  printSection(await evalCategories(ctx));
  const faces = await evalFaces(ctx);
  printSection(faces.detection);
  printSection(faces.people);
  const people = await evalPeopleAndSearch(ctx);
  printSection(people.matching);
  printSection(people.search);
  printSection(people.falseFaces);
  const same = await evalSamePhotos(ctx, DEFAULT_SIMILAR_THRESHOLD);
  printSection(same.copies);
  printSection(same.similar);
  printSection(await evalSimilarGroups(ctx, DEFAULT_SIMILAR_THRESHOLD));
  printSection(await evalStyle((s) => console.error(`[eval] ${s}`)));
  // Last: the LLM writes ten reports, minutes on a CPU.
  printSection(await evalReports((s) => console.error(`[eval] ${s}`)));
  console.error(`[eval] done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  console.error(`[eval] ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
