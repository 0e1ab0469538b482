/**
 * Every environment variable Lightbox reads, one zod schema per section, each variable with its
 * description. docs/configuration.md is generated from these (npm run config:docs; npm run lint
 * fails when it is stale). To add a variable: put it in its section with .describe(), then run
 * npm run config:docs.
 */
import { z } from 'zod';
import { serverSection } from './sections/server';
import { temporalSection } from './sections/temporal';
import { storageSection } from './sections/storage';
import { modelsSection } from './sections/models';
import { cacheSection } from './sections/cache';
import { albumSection } from './sections/album';
import { textSection } from './sections/text';
import { gpuSection } from './sections/gpu';
import { workersSection } from './sections/workers';
import { telemetrySection } from './sections/telemetry';
import { systemSection } from './sections/system';

/** The sections in the order the docs list them (by name), each with its one-line purpose. */
export const CONFIG_SECTIONS = {
  server: { about: 'The API process: ports, keys, request limits, where data lives.', schema: serverSection },
  temporal: { about: 'The Temporal frontend Lightbox connects to, or the embedded dev server it runs.', schema: temporalSection },
  storage: { about: 'Where photos, results and state documents are kept.', schema: storageSection },
  models: {
    about: 'Which ONNX models run, where they are installed and fetched from, and how ONNX Runtime runs them.',
    schema: modelsSection,
  },
  cache: { about: 'The shared embedding cache.', schema: cacheSection },
  album: { about: 'The photo pipeline: album limits, batching, decoding, and the album-wide analysis.', schema: albumSection },
  text: { about: 'Matching (profile search) and moderation (the clean-bot).', schema: textSection },
  gpu: {
    about: 'GPU jobs: worker classes and slots, the diffusion backend, the LLM and the context sources of a tuning report.',
    schema: gpuSection,
  },
  workers: { about: 'Worker processes: concurrency, shutdown, metrics ports, the workflow bundle.', schema: workersSection },
  telemetry: { about: 'Tracing export.', schema: telemetrySection },
  system: { about: 'Variables the system sets, read only to find tools.', schema: systemSection },
} as const;

type Sections = typeof CONFIG_SECTIONS;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every section's variables in one schema (test/unit/config-docs.test.ts checks no name is in two). */
export const envSchema = z.object(
  Object.assign({}, ...Object.values(CONFIG_SECTIONS).map((section) => section.schema.shape)) as Intersection<Sections[keyof Sections]['schema']['shape']>,
);
