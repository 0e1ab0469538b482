/** The inference thread of ThreadedTextClassifier: one session, batches in, scores out. */
import { parentPort, workerData } from 'node:worker_threads';
import { ModelUnavailableError } from '../errors';
import { SessionPool } from '../sessions';
import { ModelStore } from '../store';
import type { ClassifierThreadOptions, WorkerReply, WorkerRequest } from './classifier-thread';
import { getModelSpec } from '../registry';
import { EmbeddingHeadClassifier } from './embedding-head-classifier';
import { TextClassifier } from './text-classifier';

const options = workerData as ClassifierThreadOptions;
const sessions = new SessionPool(new ModelStore({ dir: options.modelsDir }), options.session ?? {});
const classifier =
  getModelSpec(options.modelId).runner === 'embedding-head'
    ? new EmbeddingHeadClassifier(sessions, options.modelId)
    : new TextClassifier(sessions, options.modelId, options.labels);

parentPort!.on('message', (request: WorkerRequest) => void answer(request));

async function answer({ id, texts }: WorkerRequest): Promise<void> {
  let reply: WorkerReply;
  try {
    const t0 = performance.now();
    const results = await classifier.classify(texts);
    reply = { id, results, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    const e = err as Error;
    reply =
      err instanceof ModelUnavailableError
        ? { id, error: { message: e.message, code: err.code, modelId: err.modelId, version: err.version, unavailable: true } }
        : { id, error: { message: e.message ?? String(err), unavailable: false } };
  }
  parentPort!.postMessage(reply);
}
