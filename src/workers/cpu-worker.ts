// Polls the cpu task queue. See roles.ts for what it registers.
import { main } from './run-worker';
import { cpuWorker } from './roles';

main(cpuWorker);
