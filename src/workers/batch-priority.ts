/**
 * CPU-bound batch work yields to the processes people wait on. Where the CPU worker shares cores
 * with the API, the workflow worker or the Temporal server (one machine, or pods without CPU
 * limits), a saturated worker otherwise delays every status read by whole scheduler slices;
 * alone on its cores, a raised nice value costs it nothing.
 */
import fs from 'node:fs';
import os from 'node:os';

/** Nice value of the CPU worker: Linux's weight 110 against 1024 at 0, so an idle-most-of-the-time API wins the core when it wakes. */
export const BATCH_NICE = 10;

/**
 * Lowers this process's priority to `nice`. On Linux a nice value belongs to each thread and new
 * threads inherit their creator's, so every thread that exists now is lowered (V8's and libuv's
 * pools start before any of our code), and what starts later (onnxruntime's pools, decoder
 * children) inherits it. Never raises a priority; where it is not allowed, it says so and goes on.
 */
export function lowerPriority(nice: number, warn: (msg: string) => void): void {
  let tids: number[] = [0];
  try {
    tids = fs.readdirSync('/proc/self/task').map(Number);
  } catch {
    // not Linux: the process-wide call below is all there is
  }
  for (const tid of tids) {
    try {
      if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
    } catch (err) {
      warn(`could not lower the priority of thread ${tid}: ${(err as Error).message}`);
    }
  }
}
