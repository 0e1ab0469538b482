// Polls the model-class queues in GPU_WORKER_CLASSES. See roles.ts.
import { main } from './run-worker';
import { gpuWorkerSpecs } from './roles';

main(gpuWorkerSpecs);
