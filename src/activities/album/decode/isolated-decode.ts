/**
 * Photo decoding in child processes, so that one poison file — a libvips crash, an endless
 * decode, runaway memory — costs one disposable child and one failed photo, never the CPU
 * worker and every activity running beside it.
 *
 * A small pool of warm children (fork + loading sharp costs 100–250 ms) each decode one photo at
 * a time. Each decode runs under three limits: a wall-clock timeout, a V8 heap limit
 * (--max-old-space-size), and an RSS watchdog that reads the child's resident memory from /proc
 * (ps elsewhere) and kills it above `maxMemoryMb` — the limit that also covers libvips's native
 * allocations, which the V8 flag cannot see. Whatever kills a child, the parent classifies the
 * death, answers the photo's caller, and forks a replacement.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import type { Config } from '../../../config';
import { MAX_PHOTO_PIXELS } from '../../../models/image-tensor';
import type { ChildMessage, DecodeFailure, DecodeOptions, DecodeResult, ParentMessage } from './protocol';

export * from './protocol';

export interface DecoderLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface IsolatedDecoderOptions {
  /** Wall-clock limit of one decode, from the moment a warm child receives the bytes. */
  timeoutMs: number;
  /** Resident-memory limit of one child, libvips included. */
  maxMemoryMb: number;
  /** Children kept warm; match the CPU worker's activity concurrency. */
  poolSize: number;
  /** Photos with more pixels are refused from the header, before any pixel is decoded. */
  maxPixels: number;
  /** A child is replaced after this many decodes, bounding native heap fragmentation. */
  maxDecodesPerChild?: number;
  /** How often a busy child's RSS is read. */
  rssPollMs?: number;
  /** A child that is not ready this long after fork is killed as a startup failure. */
  startupTimeoutMs?: number;
  /** Let children honour the TEST-ONLY poison payloads (also needs NODE_ENV=test); see protocol.ts. */
  testHooks?: boolean;
  logger?: DecoderLogger;
}

export interface DecoderStats {
  /** Live children's pids. */
  pids: number[];
  busy: number;
  queued: number;
  forks: number;
  outcomes: Record<DecodeResult['kind'], number>;
}

export interface IsolatedDecoder {
  /** Resolves with what became of the photo; rejects only when the decoder itself cannot work. */
  decode(bytes: Buffer, options?: DecodeOptions): Promise<DecodeResult>;
  /** Forks the whole pool now, so the first photos do not pay for it. */
  warmUp(): Promise<void>;
  stats(): DecoderStats;
  /** Kills every child (in-flight decodes reject with DecoderClosedError) and waits for them. */
  close(): Promise<void>;
}

/** The decoder was closed: the photo was not judged, so its activity should simply retry. */
export class DecoderClosedError extends Error {
  override readonly name = 'DecoderClosedError';
}

/** Children die while starting up, so no photo is to blame: an infrastructure error. */
export class DecoderUnavailableError extends Error {
  override readonly name = 'DecoderUnavailableError';
}

/**
 * What a failed decode should become in the activity: bad input can never succeed; a crash,
 * timeout or memory kill could be the host (OOM killer, a noisy neighbour), so it is retried a
 * bounded number of times before the photo is marked failed.
 */
export function describeDecodeFailure(result: DecodeFailure): { code: string; message: string; retryable: boolean } {
  switch (result.kind) {
    case 'bad-input':
      return { code: result.code, message: result.message, retryable: false };
    case 'crashed':
      return { code: 'DECODER_CRASHED', message: result.message, retryable: true };
    case 'timeout':
      return { code: 'DECODE_TIMEOUT', message: result.message, retryable: true };
    case 'memory':
      return { code: 'DECODE_MEMORY_LIMIT', message: result.message, retryable: true };
  }
}

/** A sound decode of the largest photo allowed takes a few seconds; thirty means the decoder is stuck. */
export const DECODE_TIMEOUT_MS = 30_000;
/** A decode of MAX_PHOTO_PIXELS needs about 450 MB of raster plus libvips's working set; 1 GiB leaves room, and more means a leak. */
export const DECODE_MAX_MEMORY_MB = 1024;

/** The decoder options the CPU worker should use, from the one config. */
export function isolatedDecoderOptionsFromConfig(config: Config): IsolatedDecoderOptions {
  return {
    timeoutMs: DECODE_TIMEOUT_MS,
    maxMemoryMb: DECODE_MAX_MEMORY_MB,
    poolSize: config.workers.cpuConcurrency ?? Math.max(1, os.availableParallelism()),
    maxPixels: MAX_PHOTO_PIXELS,
  };
}

export function createIsolatedDecoder(options: IsolatedDecoderOptions): IsolatedDecoder {
  return new DecoderPool(options);
}

// In development this module runs as TypeScript under tsx, so the child must too; a build runs
// both as compiled .js from dist/.
const CHILD_SCRIPT = path.join(__dirname, `decode-child${path.extname(__filename) === '.ts' ? '.ts' : '.js'}`);

/** Flags of the parent that must not reach a child: test runner, watch mode, debugger ports, -e code. */
const DROPPED_FLAG = /^--(test|experimental-test|watch|inspect|debug|max-old-space-size|cpu-prof|heap-prof|prof)(\b|=|-|$)/;
const FLAG_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print']);

function childExecArgv(heapMb: number): string[] {
  const kept: string[] = [];
  const parent = process.execArgv;
  for (let i = 0; i < parent.length; i++) {
    const arg = parent[i]!;
    if (FLAG_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (DROPPED_FLAG.test(arg) || /^--(eval|print)=/.test(arg)) continue;
    kept.push(arg);
  }
  if (CHILD_SCRIPT.endsWith('.ts') && !kept.some((a) => a.includes('tsx'))) {
    // Loaded as TypeScript by some other means (a test harness, the tsx CLI's own re-exec): give
    // the child tsx explicitly rather than let it fail on the .ts file.
    kept.push('--import', pathToFileURL(require.resolve('tsx')).href);
  }
  kept.push(`--max-old-space-size=${heapMb}`);
  return kept;
}

/** The line of a dying child's stderr that says what went wrong (node ends with a version banner). */
function firstErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /(Error|FATAL|Fatal|Segmentation|Abort)/.test(l)) ?? lines.filter((l) => !/^Node\.js v/.test(l)).slice(-1)[0];
}

const HEAP_OOM = /heap out of memory|Reached heap limit|Allocation failed - JavaScript heap/i;
const STDERR_TAIL_BYTES = 4096;
const STARTUP_FAILURES_BEFORE_GIVING_UP = 3;

interface Job {
  id: number;
  bytes: Buffer;
  options: DecodeOptions;
  resolve(result: DecodeResult): void;
  reject(err: Error): void;
  startedAt: number;
}

type KillReason = 'timeout' | 'memory' | 'startup' | 'retire' | 'close';

interface Child {
  proc: ChildProcess;
  pid: number;
  state: 'starting' | 'idle' | 'busy' | 'dead';
  job: Job | null;
  decodes: number;
  killReason: KillReason | null;
  peakRssMb: number | null;
  stderrTail: string;
  timer: NodeJS.Timeout | null;
  poller: NodeJS.Timeout | null;
  exited: Promise<void>;
}

/** Reads a process's resident set in MB: /proc on Linux, `ps` elsewhere. */
class RssReader {
  private readonly proc = fs.existsSync('/proc/self/status');
  private broken = false;

  constructor(private readonly onBroken: (why: string) => void) {}

  read(pid: number, done: (mb: number | null) => void): void {
    if (this.broken) return done(null);
    if (this.proc) {
      let status: string;
      try {
        status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
      } catch {
        return done(null); // exited between polls
      }
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
      return done(kb ? Number(kb) / 1024 : null);
    }
    execFile('ps', ['-o', 'rss=', '-p', String(pid)], (err, stdout) => {
      const kb = Number(stdout.trim());
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.broken = true;
        this.onBroken('neither /proc nor ps is available');
      }
      done(!err && Number.isFinite(kb) && kb > 0 ? kb / 1024 : null);
    });
  }

  get pollFloorMs(): number {
    // A `ps` per poll is a process spawn: poll less often where /proc is missing.
    return this.proc ? 0 : 250;
  }
}

class DecoderPool implements IsolatedDecoder {
  private readonly timeoutMs: number;
  private readonly maxMemoryMb: number;
  private readonly poolSize: number;
  private readonly maxPixels: number;
  private readonly maxDecodesPerChild: number;
  private readonly rssPollMs: number;
  private readonly startupTimeoutMs: number;
  private readonly testHooks: boolean;
  private readonly logger: DecoderLogger;
  private readonly rss: RssReader;

  private readonly children: Child[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private forks = 0;
  private startupFailures = 0;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly outcomes: Record<DecodeResult['kind'], number> = { ok: 0, 'bad-input': 0, crashed: 0, timeout: 0, memory: 0 };
  private readonly warmWaiters: (() => void)[] = [];

  /** A worker that exits without close() must not leave decoders running (or hung) behind it. */
  private readonly killAllOnExit = () => {
    for (const c of this.children) c.proc.kill('SIGKILL');
  };

  constructor(o: IsolatedDecoderOptions) {
    for (const [name, value] of Object.entries({ timeoutMs: o.timeoutMs, maxMemoryMb: o.maxMemoryMb, poolSize: o.poolSize, maxPixels: o.maxPixels })) {
      if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
    }
    this.timeoutMs = o.timeoutMs;
    this.maxMemoryMb = o.maxMemoryMb;
    this.poolSize = Math.max(1, Math.floor(o.poolSize));
    this.maxPixels = Math.floor(o.maxPixels);
    this.maxDecodesPerChild = o.maxDecodesPerChild ?? 500;
    this.startupTimeoutMs = o.startupTimeoutMs ?? Math.max(20_000, o.timeoutMs);
    this.testHooks = o.testHooks ?? false;
    this.logger = o.logger ?? pino({ base: { component: 'isolated-decoder' } });
    this.rss = new RssReader((why) => this.logger.warn({ why }, 'decoder RSS watchdog disabled; only the V8 heap limit and the timeout apply'));
    this.rssPollMs = Math.max(o.rssPollMs ?? 50, this.rss.pollFloorMs);
    process.once('exit', this.killAllOnExit);
  }

  decode(bytes: Buffer, options: DecodeOptions = {}): Promise<DecodeResult> {
    if (this.closed) return Promise.reject(new DecoderClosedError('the decoder is closed'));
    if (!(bytes instanceof Uint8Array)) return Promise.reject(new TypeError('decode() takes a Buffer'));
    return new Promise<DecodeResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), options, resolve, reject, startedAt: 0 });
      this.pump();
    });
  }

  async warmUp(): Promise<void> {
    if (this.closed) throw new DecoderClosedError('the decoder is closed');
    while (this.children.length < this.poolSize) this.spawn();
    if (this.children.every((c) => c.state !== 'starting')) return;
    await new Promise<void>((resolve) => this.warmWaiters.push(resolve));
  }

  stats(): DecoderStats {
    return {
      pids: this.children.map((c) => c.pid),
      busy: this.children.filter((c) => c.state === 'busy').length,
      queued: this.queue.length,
      forks: this.forks,
      outcomes: { ...this.outcomes },
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      const waiting = this.queue;
      this.queue = [];
      for (const job of waiting) job.reject(new DecoderClosedError('the decoder was closed before this photo was decoded'));
      const exits = this.children.map((c) => c.exited);
      for (const c of [...this.children]) {
        // Idle children are unref'd; without this the process could exit before they are reaped.
        c.proc.ref();
        this.kill(c, 'close');
      }
      await Promise.all(exits);
      this.releaseWarmWaiters();
      process.off('exit', this.killAllOnExit);
    })();
    return this.closing;
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const idle = this.children.find((c) => c.state === 'idle');
      if (idle) {
        this.dispatch(idle, this.queue.shift()!);
        continue;
      }
      const starting = this.children.filter((c) => c.state === 'starting').length;
      if (this.children.length < this.poolSize && starting < this.queue.length) {
        this.spawn();
        continue;
      }
      return;
    }
  }

  private spawn(): Child {
    const heapMb = Math.max(64, Math.floor(this.maxMemoryMb / 2));
    const args = [
      `--max-pixels=${this.maxPixels}`,
      `--max-memory-mb=${this.maxMemoryMb}`,
      // Only matters when this process died without killing the child; see decode-child.ts.
      `--self-timeout-ms=${this.timeoutMs * 2 + 5000}`,
      ...(this.testHooks ? ['--test-hooks'] : []),
    ];
    const proc = fork(CHILD_SCRIPT, args, {
      execPath: process.execPath,
      execArgv: childExecArgv(heapMb),
      serialization: 'advanced', // Buffers cross as bytes, not as JSON arrays of numbers
      // stderr is captured: it is how a V8 heap abort is told apart from a native crash.
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    this.forks++;
    let markExited!: () => void;
    const child: Child = {
      proc,
      pid: proc.pid ?? -1,
      state: 'starting',
      job: null,
      decodes: 0,
      killReason: null,
      peakRssMb: null,
      stderrTail: '',
      timer: null,
      poller: null,
      exited: new Promise<void>((resolve) => (markExited = resolve)),
    };
    this.children.push(child);

    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      child.stderrTail = (child.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    // Neither the pipe nor the channel should keep the worker alive; a busy child is ref'd instead.
    (proc.stderr as unknown as { unref?: () => void }).unref?.();
    (proc.channel as unknown as { unref?: () => void } | undefined)?.unref?.();

    proc.on('message', (message: ChildMessage) => this.onMessage(child, message));
    // 'error' covers a failed spawn or kill; a spawned child always ends with 'exit'.
    proc.on('error', (err) => {
      this.logger.warn({ pid: child.pid, err: err.message }, 'decoder child process error');
      if (proc.pid === undefined) this.onExit(child, null, null, markExited);
    });
    proc.on('exit', (code, signal) => this.onExit(child, code, signal, markExited));

    child.timer = setTimeout(() => this.kill(child, 'startup'), this.startupTimeoutMs);
    return child;
  }

  private onMessage(child: Child, message: ChildMessage): void {
    if (message.type === 'ready') {
      if (child.state !== 'starting') return;
      this.clearTimers(child);
      child.state = 'idle';
      child.proc.unref();
      this.startupFailures = 0;
      if (this.children.every((c) => c.state !== 'starting')) this.releaseWarmWaiters();
      this.pump();
      return;
    }
    const job = child.job;
    if (message.type !== 'result' || !job || message.id !== job.id) return;
    this.clearTimers(child);
    child.job = null;
    child.state = 'idle';
    child.decodes++;
    child.proc.unref();
    this.settle(job, { ...message.result, durationMs: Date.now() - job.startedAt } as DecodeResult);

    // A child that grew close to its limit (native fragmentation) or has served its share is
    // replaced between photos, so the next photo does not inherit its memory.
    const bloated = child.peakRssMb !== null && child.peakRssMb > this.maxMemoryMb * 0.75;
    if (bloated || child.decodes >= this.maxDecodesPerChild) this.kill(child, 'retire');
    this.pump();
  }

  private dispatch(child: Child, job: Job): void {
    child.state = 'busy';
    child.job = job;
    child.peakRssMb = null;
    job.startedAt = Date.now();
    child.proc.ref();
    child.timer = setTimeout(() => this.kill(child, 'timeout'), this.timeoutMs);
    child.poller = setInterval(() => this.pollRss(child), this.rssPollMs);
    const message: ParentMessage = { type: 'decode', id: job.id, bytes: job.bytes, options: job.options };
    // A failed send means the child is dying; its exit event settles the job.
    child.proc.send(message, undefined, undefined, () => {});
  }

  private pollRss(child: Child): void {
    this.rss.read(child.pid, (mb) => {
      if (mb === null || child.state !== 'busy') return;
      child.peakRssMb = Math.max(child.peakRssMb ?? 0, mb);
      if (mb > this.maxMemoryMb) this.kill(child, 'memory');
    });
  }

  private kill(child: Child, reason: KillReason): void {
    if (child.state === 'dead' || child.killReason) return;
    child.killReason = reason;
    this.clearTimers(child);
    // SIGKILL: a child stuck in native code or a busy loop would never run a SIGTERM handler.
    child.proc.kill('SIGKILL');
  }

  private onExit(child: Child, code: number | null, signal: NodeJS.Signals | null, markExited: () => void): void {
    if (child.state === 'dead') return;
    const wasReady = child.state !== 'starting';
    child.state = 'dead';
    this.clearTimers(child);
    const index = this.children.indexOf(child);
    if (index >= 0) this.children.splice(index, 1);
    markExited();

    const job = child.job;
    child.job = null;
    if (job) {
      if (child.killReason === 'close') job.reject(new DecoderClosedError('the decoder was closed while this photo was being decoded'));
      else this.settle(job, this.classifyDeath(child, job, code, signal));
    } else if (!wasReady && child.killReason !== 'close') {
      this.onStartupFailure(child, code, signal);
    }
    if (this.children.every((c) => c.state !== 'starting')) this.releaseWarmWaiters();
    if (this.closed) return;
    // Keep the pool warm: the next photo should not pay for the fork the last one cost. Only
    // after a known cause (a photo killed it, or it was retired): a child that dies idle on its
    // own would otherwise be re-forked in a loop; pump() forks on demand instead.
    if ((job || child.killReason === 'retire') && this.children.length < this.poolSize) this.spawn();
    this.pump();
  }

  private classifyDeath(child: Child, job: Job, exitCode: number | null, signal: NodeJS.Signals | null): DecodeFailure {
    const durationMs = Date.now() - job.startedAt;
    const lastLine = firstErrorLine(child.stderrTail);
    if (child.killReason === 'timeout') {
      return { kind: 'timeout', timeoutMs: this.timeoutMs, durationMs, message: `decoding took longer than ${this.timeoutMs} ms and was killed` };
    }
    if (child.killReason === 'memory') {
      const rss = child.peakRssMb === null ? '' : ` (resident ${Math.round(child.peakRssMb)} MB)`;
      return {
        kind: 'memory',
        limitMb: this.maxMemoryMb,
        rssMb: child.peakRssMb,
        durationMs,
        message: `decoding exceeded the ${this.maxMemoryMb} MB memory limit${rss} and was killed`,
      };
    }
    if (HEAP_OOM.test(child.stderrTail)) {
      return { kind: 'memory', limitMb: this.maxMemoryMb, rssMb: child.peakRssMb, durationMs, message: 'decoding exhausted the decoder’s JavaScript heap' };
    }
    const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    this.logger.warn({ pid: child.pid, signal, exitCode, stderr: child.stderrTail.slice(-1000) }, 'decoder child died mid-decode');
    return {
      kind: 'crashed',
      signal,
      exitCode,
      durationMs,
      message: `the decoder ${how} while decoding this photo${lastLine ? `: ${lastLine}` : ''}`,
    };
  }

  private onStartupFailure(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    this.startupFailures++;
    this.logger.warn(
      { pid: child.pid, exitCode: code, signal, reason: child.killReason, stderr: child.stderrTail.slice(-1000), failures: this.startupFailures },
      'decoder child failed to start',
    );
    if (this.startupFailures < STARTUP_FAILURES_BEFORE_GIVING_UP) return;
    // Children cannot start at all (missing script, no memory for a fork): fail the waiting
    // photos as an infrastructure error instead of forking in a loop. The next decode tries again.
    this.startupFailures = 0;
    const waiting = this.queue;
    this.queue = [];
    const why = firstErrorLine(child.stderrTail) ?? `exit ${code ?? signal}`;
    for (const job of waiting) job.reject(new DecoderUnavailableError(`decoder children cannot start: ${why}`));
  }

  private settle(job: Job, result: DecodeResult): void {
    this.outcomes[result.kind]++;
    job.resolve(result);
  }

  private clearTimers(child: Child): void {
    if (child.timer) clearTimeout(child.timer);
    if (child.poller) clearInterval(child.poller);
    child.timer = null;
    child.poller = null;
  }

  private releaseWarmWaiters(): void {
    for (const resolve of this.warmWaiters.splice(0)) resolve();
  }
}
