/** Shape-faithful models with random weights, for benchmarks only. */
import { CLIP_IMAGE, KCELECTRA_TOXICITY, KO_SBERT_NLI } from './production';
import type { ModelSpec } from './spec';
import { twin } from './test-twins';

/** Where `scripts/models/bench_models.py` writes (git-ignored; ~350 MB). */
export const BENCH_MODELS_DIR = '.lightbox/models-bench';

/**
 * Full-size CLIP ViT-B/32 image tower with random weights, for benchmarks: the real model's
 * compute and memory with the real contract, meaningless embeddings. Never used for results.
 */
export const BENCH_MODELS: readonly ModelSpec[] = [
  {
    ...twin(CLIP_IMAGE),
    id: 'clip-vit-b32-image-bench',
    version: 'bench-1',
    description: 'Shape-faithful CLIP ViT-B/32 image encoder, random weights (scripts/models/bench_models.py)',
    sources: { gcsPrefix: 'clip-vit-b32-image-bench/bench-1' },
    pairedWith: undefined,
  },
  // Full-size BERT-base and ELECTRA-small graphs with random weights and the test tokenizer.
  {
    ...twin(KO_SBERT_NLI),
    id: 'ko-sbert-nli-bench',
    version: 'bench-1',
    description: 'Shape-faithful ko-sbert-nli (BERT-base), random weights (scripts/models/bench_models.py)',
    sources: { gcsPrefix: 'ko-sbert-nli-bench/bench-1' },
  },
  {
    ...twin(KCELECTRA_TOXICITY),
    id: 'kcelectra-small-toxicity-bench',
    version: 'bench-1',
    description: 'Shape-faithful KcELECTRA-small classifier, random weights (scripts/models/bench_models.py)',
    sources: { gcsPrefix: 'kcelectra-small-toxicity-bench/bench-1' },
  },
];
