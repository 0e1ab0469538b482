/**
 * The launcher's process supervision, kept free of Lightbox specifics so it can be unit-tested:
 * waiting for a child to be gone (however it died), stopping one politely then firmly, and
 * restarting a crashed child with backoff until a restart limit says the crash is not transient.
 */
import type { ChildProcess } from 'node:child_process';

/** True once the child has exited, by code or by signal (`exitCode` stays null for a signal death). */
export const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/**
 * Resolves once the child is gone. A child that already exited resolves at once: its 'exit'
 * event fired in the past and will not fire again, which is what made `npm start` hang forever.
 */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (hasExited(child)) return;
  const gone = waitForExit(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!hasExited(child)) child.kill('SIGKILL');
  }, graceMs);
  timer.unref();
  await gone;
  clearTimeout(timer);
}

export interface RestartPolicy {
  /** Delay before the first restart; doubles with each restart still inside the window. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** More than this many restarts within `windowMs` and the launcher gives up. */
  maxRestarts: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 500, maxDelayMs: 8000, maxRestarts: 5, windowMs: 60_000 };

export type CrashDecision = { action: 'restart'; delayMs: number; attempt: number } | { action: 'give-up'; restarts: number };

/**
 * Per-process crash bookkeeping. A worker that crashes once in a while restarts quickly; one that
 * crashes in a loop (bad config, a port taken, a broken build) backs off and then stops the stack,
 * since restarting it forever would only hide the error in a log nobody reads.
 */
export class RestartTracker {
  private restarts: number[] = [];

  constructor(private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY) {}

  onCrash(now: number = Date.now()): CrashDecision {
    this.restarts = this.restarts.filter((t) => now - t < this.policy.windowMs);
    if (this.restarts.length >= this.policy.maxRestarts) return { action: 'give-up', restarts: this.restarts.length };
    const delayMs = Math.min(this.policy.initialDelayMs * 2 ** this.restarts.length, this.policy.maxDelayMs);
    this.restarts.push(now);
    return { action: 'restart', delayMs, attempt: this.restarts.length };
  }
}

export interface Supervised {
  name: string;
  /** Starts (or restarts) the process. */
  start(): ChildProcess;
}

export interface SupervisorEvents {
  started(name: string, child: ChildProcess, restart: number): void;
  crashed(name: string, how: string, decision: CrashDecision): void;
  /** The restart limit was hit: the owner stops the stack. */
  gaveUp(name: string, how: string, restarts: number): void;
}

/** Keeps a set of child processes running: restarts each on an unexpected exit, per its own tracker. */
export class Supervisor {
  private readonly running = new Map<string, ChildProcess>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(
    private readonly events: SupervisorEvents,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
  ) {}

  add(p: Supervised): ChildProcess {
    const tracker = new RestartTracker(this.policy);
    const launch = (restart: number): ChildProcess => {
      const child = p.start();
      this.running.set(p.name, child);
      this.events.started(p.name, child, restart);
      child.once('exit', (code, signal) => {
        if (this.stopping) return;
        const how = signal ? `killed by ${signal}` : `exit code ${code}`;
        const decision = tracker.onCrash();
        this.events.crashed(p.name, how, decision);
        if (decision.action === 'give-up') return this.events.gaveUp(p.name, how, decision.restarts);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!this.stopping) launch(decision.attempt);
        }, decision.delayMs);
        this.timers.add(timer);
      });
      return child;
    };
    return launch(0);
  }

  children(): Array<{ name: string; child: ChildProcess }> {
    return [...this.running].map(([name, child]) => ({ name, child }));
  }

  /** Stops restarting and stops every child; resolves once all have exited. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.running.values()].map((c) => stopChild(c, graceMs)));
  }
}
