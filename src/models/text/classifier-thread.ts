/**
 * A text classifier whose tokenising and ORT runs happen in a worker thread. onnxruntime-node's
 * session.run holds the JavaScript thread for the whole run (measured: the event loop stalls for
 * the length of a batch), so in the API process every run would stop the HTTP server from reading
 * the next requests and answering finished ones; in a worker thread, requests keep arriving and
 * the next batch forms while this one runs. The worker loads the model from the same verified
 * store, so a missing model surfaces here as the same ModelUnavailableError code.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { inferenceBatchSize, inferenceSeconds } from '../../telemetry/metrics';
import { ModelUnavailableError } from '../errors';
import { getModelSpec, modelRef, type ClassificationHead } from '../registry';
import type { SessionSettings } from '../sessions';
import { classificationHead, type Classifier, type TextClassification } from './text-classifier';

export interface ClassifierThreadOptions {
  modelsDir: string;
  modelId: string;
  labels?: readonly string[];
  session?: Pick<SessionSettings, 'intraOpThreads' | 'interOpThreads'>;
}

export type WorkerRequest = { id: number; texts: string[] };
export type WorkerReply =
  | { id: number; results: TextClassification[]; seconds: number }
  | { id: number; error: { message: string; code?: string; modelId?: string; version?: string; unavailable: boolean } };

const WORKER_SCRIPT = path.join(__dirname, `classifier-worker${path.extname(__filename) === '.ts' ? '.ts' : '.js'}`);

export class ThreadedTextClassifier implements Classifier {
  readonly ref: string;
  readonly head: ClassificationHead;
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: TextClassification[]) => void; reject: (e: unknown) => void }>();

  constructor(private readonly options: ClassifierThreadOptions) {
    const spec = getModelSpec(options.modelId);
    this.ref = modelRef(spec);
    // `labels` renames a pulled classifier's labels; the e5 head names its own.
    this.head = classificationHead(spec, spec.runner === 'embedding-head' ? undefined : options.labels);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SCRIPT, {
      workerData: { ...this.options, labels: this.options.labels ? [...this.options.labels] : undefined },
      // Under tsx (development, tests) the worker must load TypeScript too.
      execArgv: WORKER_SCRIPT.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [],
    });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if ('results' in reply) {
        inferenceSeconds.observe({ model: this.ref, method: 'onnx' }, reply.seconds);
        inferenceBatchSize.observe({ model: this.ref }, reply.results.length);
        p.resolve(reply.results);
      } else {
        const e = reply.error;
        p.reject(e.unavailable ? new ModelUnavailableError(e.code!, e.modelId!, e.version!, e.message) : new Error(e.message));
      }
    });
    const fail = (err: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the inference thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  classify(texts: readonly string[]): Promise<TextClassification[]> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, texts: [...texts] } satisfies WorkerRequest);
      worker.ref();
    }).finally(() => {
      if (this.pending.size === 0) this.worker?.unref();
    }) as Promise<TextClassification[]>;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}
