/**
 * Matching query latency over 100k profiles in a real ChromaDB server (`chroma run`), with the shape-faithful
 * BERT-base embedding each query: see bench/lib/matching-run.ts.
 *
 *   npm run bench -- matching-chroma   (--profiles=N / MATCH_BENCH_PROFILES, --queries=N / MATCH_BENCH_QUERIES)
 */
import { runMatchingBench } from './lib/matching-run';

runMatchingBench('chroma').catch((err) => {
  console.error(err);
  process.exit(1);
});
