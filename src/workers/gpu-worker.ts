// Polls the gpu task queue. See roles.ts for what it registers.
import { main } from './run-worker';
import { gpuWorker } from './roles';

main(gpuWorker);
