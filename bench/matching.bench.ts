/**
 * Matching query latency over 100k profiles in the embedded HNSW index (hnswlib-node), with the shape-faithful
 * BERT-base embedding each query: see bench/lib/matching-run.ts.
 *
 *   npm run bench -- matching   (--profiles=N / MATCH_BENCH_PROFILES, --queries=N / MATCH_BENCH_QUERIES)
 */
import { runMatchingBench } from './lib/matching-run';

runMatchingBench('embedded').catch((err) => {
  console.error(err);
  process.exit(1);
});
