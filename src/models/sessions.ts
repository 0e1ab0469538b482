/**
 * One onnxruntime-node InferenceSession per model version per process. Loading a model costs
 * hundreds of milliseconds to seconds and hundreds of MB, so sessions are made on first use and
 * kept; concurrent first callers wait on the same creation instead of loading it twice.
 */
import * as ort from 'onnxruntime-node';
import { ModelContractError } from './errors';
import { getModelSpec, modelRef, type Dim, type ModelSpec, type TensorDType, type TensorSpec } from './registry';
import type { InstalledModel, ModelStore } from './store';

export interface SessionSettings {
  /** Threads inside one operator (INFERENCE_THREADS); unset lets ORT use every core. */
  intraOpThreads?: number;
  /** Operators run in parallel; 1 means sequential execution (SEQUENTIAL_SESSIONS). */
  interOpThreads?: number;
  /** e.g. ['cuda', 'cpu'] on a GPU worker; CPU only by default. */
  executionProviders?: readonly string[];
  /** Let idle ORT threads busy-wait: lower latency on a machine that does nothing else. */
  allowSpinning?: boolean;
}

export type Feeds = Record<string, ort.Tensor>;
export type Fetches = Record<string, ort.Tensor>;

function sameDims(expected: readonly Dim[], actual: readonly Dim[]): boolean {
  if (expected.length !== actual.length) return false;
  return expected.every((d, i) => {
    const a = actual[i]!;
    // A symbolic dim in the model accepts any size; a symbolic dim in the spec needs one in the model.
    if (typeof a === 'string') return true;
    return typeof d === 'number' ? d === a : false;
  });
}

function fmt(shape: readonly Dim[]): string {
  return `[${shape.join(',')}]`;
}

/** Compares an installed graph's declared inputs/outputs with the registry's contract. */
export function contractProblems(
  spec: ModelSpec,
  inputs: readonly ort.InferenceSession.ValueMetadata[],
  outputs: readonly ort.InferenceSession.ValueMetadata[],
): string[] {
  const problems: string[] = [];
  const check = (kind: 'input' | 'output', want: TensorSpec, have: ort.InferenceSession.ValueMetadata | undefined) => {
    if (!have) {
      if (!want.optional) problems.push(`no ${kind} "${want.name}" (the model has ${(kind === 'input' ? inputs : outputs).map((m) => m.name).join(', ')})`);
      return;
    }
    if (!have.isTensor) {
      problems.push(`${kind} "${want.name}" is not a tensor`);
      return;
    }
    if (have.type !== want.dtype) problems.push(`${kind} "${want.name}" is ${have.type}, expected ${want.dtype}`);
    if (have.shape.length > 0 && !sameDims(want.shape, have.shape)) {
      problems.push(`${kind} "${want.name}" has shape ${fmt(have.shape)}, expected ${fmt(want.shape)}`);
    }
  };
  for (const want of spec.inputs)
    check(
      'input',
      want,
      inputs.find((m) => m.name === want.name),
    );
  for (const have of inputs) {
    if (!spec.inputs.some((i) => i.name === have.name)) problems.push(`the model needs input "${have.name}", which the registry does not know`);
  }
  for (const want of spec.outputs)
    check(
      'output',
      want,
      outputs.find((m) => m.name === want.name),
    );
  return problems;
}

export class ModelSession {
  /** Inference runs so far: how tests and metrics see that a batch went through in one run. */
  runs = 0;
  /**
   * Runs of one session go one at a time: each CPU run already uses every intra-op thread, so two
   * at once only fight over the cores. Callers still overlap their own decoding and preprocessing
   * with the run in progress, which is where the throughput comes from.
   */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly spec: ModelSpec,
    readonly installed: InstalledModel,
    readonly session: ort.InferenceSession,
  ) {}

  get ref(): string {
    return modelRef(this.spec);
  }

  hasInput(name: string): boolean {
    return this.session.inputNames.includes(name);
  }

  /**
   * Runs one batch. Feeds are checked against the spec first (names, dtypes, fixed dims, and one
   * size per symbolic dim across all inputs), so a caller bug reads as a clear message rather
   * than an ORT shape error deep inside the graph. Returns the spec's outputs only.
   */
  async run(feeds: Feeds): Promise<Fetches> {
    const problems: string[] = [];
    const symbols = new Map<string, number>();
    for (const name of Object.keys(feeds)) {
      if (!this.spec.inputs.some((i) => i.name === name)) problems.push(`unknown input "${name}"`);
    }
    for (const want of this.spec.inputs) {
      const t = feeds[want.name];
      if (!t) {
        if (!want.optional || this.hasInput(want.name)) problems.push(`missing input "${want.name}"`);
        continue;
      }
      if (t.type !== (want.dtype satisfies TensorDType)) problems.push(`input "${want.name}" is ${t.type}, expected ${want.dtype}`);
      if (t.dims.length !== want.shape.length) {
        problems.push(`input "${want.name}" has shape ${fmt(t.dims)}, expected ${fmt(want.shape)}`);
        continue;
      }
      want.shape.forEach((d, i) => {
        const got = t.dims[i]!;
        if (typeof d === 'number') {
          if (d !== got) problems.push(`input "${want.name}" dim ${i} is ${got}, expected ${d}`);
        } else {
          const seen = symbols.get(d);
          if (seen === undefined) symbols.set(d, got);
          else if (seen !== got) problems.push(`input "${want.name}" has ${d}=${got} but another input has ${d}=${seen}`);
          if (got < 1) problems.push(`input "${want.name}" has an empty ${d}`);
        }
      });
    }
    if (problems.length > 0) throw new Error(`${this.ref}: bad inference input: ${problems.join('; ')}`);
    const present = Object.fromEntries(Object.entries(feeds).filter(([name]) => this.hasInput(name)));
    const outputs = this.spec.outputs.map((o) => o.name);
    const result = this.queue.then(() => {
      this.runs++;
      return this.session.run(present, outputs);
    });
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/**
 * The per-process cache of sessions. Keyed by `id@version`, so a re-analysis with a new version
 * loads the new model beside the old one instead of replacing a session in use.
 */
export class SessionPool {
  /** Sessions actually created (not served from the cache). */
  created = 0;
  private readonly sessions = new Map<string, Promise<ModelSession>>();

  constructor(
    readonly store: ModelStore,
    readonly settings: SessionSettings = {},
  ) {}

  get(specOrId: ModelSpec | string): Promise<ModelSession> {
    const spec = typeof specOrId === 'string' ? getModelSpec(specOrId) : specOrId;
    const key = modelRef(spec);
    let pending = this.sessions.get(key);
    if (!pending) {
      pending = this.create(spec);
      this.sessions.set(key, pending);
      // A failed load (model not installed yet, bad file) must not be cached: the next call retries.
      pending.catch(() => {
        if (this.sessions.get(key) === pending) this.sessions.delete(key);
      });
    }
    return pending;
  }

  sessionOptions(): ort.InferenceSession.SessionOptions {
    return {
      graphOptimizationLevel: 'all',
      executionMode: (this.settings.interOpThreads ?? 1) > 1 ? 'parallel' : 'sequential',
      ...(this.settings.intraOpThreads !== undefined ? { intraOpNumThreads: this.settings.intraOpThreads } : {}),
      ...(this.settings.interOpThreads !== undefined ? { interOpNumThreads: this.settings.interOpThreads } : {}),
      executionProviders: [...(this.settings.executionProviders ?? ['cpu'])],
      // Idle intra-op threads spin for a while by default, which steals the cores that decoders
      // and other activities on the same worker need between runs.
      extra: {
        session: {
          intra_op: { allow_spinning: this.settings.allowSpinning ? '1' : '0' },
          inter_op: { allow_spinning: this.settings.allowSpinning ? '1' : '0' },
        },
      },
    };
  }

  private async create(spec: ModelSpec): Promise<ModelSession> {
    const installed = await this.store.resolve(spec);
    const session = await ort.InferenceSession.create(installed.onnxPath, this.sessionOptions());
    const problems = contractProblems(spec, session.inputMetadata, session.outputMetadata);
    if (problems.length > 0) {
      await session.release();
      throw new ModelContractError(spec.id, spec.version, problems);
    }
    this.created++;
    return new ModelSession(spec, installed, session);
  }

  loaded(): string[] {
    return [...this.sessions.keys()];
  }

  /** Frees every session (worker shutdown). */
  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const pending of all) {
      const s = await pending.catch(() => undefined);
      await s?.session.release();
    }
  }
}
