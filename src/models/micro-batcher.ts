/**
 * Collects concurrent single requests into one batch for one inference run: a batch goes when it
 * holds `maxBatch` items or when its first item has waited `maxWaitMs`, whichever comes first.
 * Each caller gets the result at its own index; if the run fails, every caller in that batch
 * gets the error. Batches run one at a time (an ORT session already uses every core it has), and
 * items that arrive meanwhile go as the next batch as soon as the run ends (they have waited
 * already), so under load batches fill up by themselves.
 */
export interface MicroBatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
}

export interface BatchStats {
  batches: number;
  items: number;
  largest: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (v: O) => void;
  reject: (e: unknown) => void;
}

export class MicroBatcher<I, O> {
  readonly stats: BatchStats = { batches: 0, items: 0, largest: 0 };
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly runBatch: (items: I[]) => Promise<O[]>,
    readonly options: MicroBatcherOptions,
  ) {
    if (!(options.maxBatch >= 1)) throw new Error(`maxBatch must be at least 1, got ${options.maxBatch}`);
    if (!(options.maxWaitMs >= 0)) throw new Error(`maxWaitMs must be ≥ 0, got ${options.maxWaitMs}`);
  }

  /** Several items from one caller go into the same batch where they fit. */
  submitMany(items: readonly I[]): Promise<O[]> {
    return Promise.all(items.map((i) => this.submit(i)));
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.options.maxBatch) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.running = true;
    this.stats.batches++;
    this.stats.items += batch.length;
    this.stats.largest = Math.max(this.stats.largest, batch.length);
    void this.runBatch(batch.map((p) => p.item))
      .then((results) => {
        if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${results.length} results`);
        batch.forEach((p, i) => p.resolve(results[i]!));
      })
      .catch((err: unknown) => batch.forEach((p) => p.reject(err)))
      .finally(() => {
        this.running = false;
        // What queued up during the run has already waited that long: it goes now.
        if (this.queue.length > 0) this.flush();
      });
  }
}
