// Polls the workflow task queue. See roles.ts for what it registers.
import { main } from './run-worker';
import { workflowWorker } from './roles';

main(workflowWorker);
