// Polls the io task queue. See roles.ts for what it registers.
import { main } from './run-worker';
import { ioWorker } from './roles';

main(ioWorker);
