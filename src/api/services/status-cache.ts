/**
 * Album status for watchers (GET /v1/albums/:id, the SSE stream), served from the last answer of
 * the workflow query while a fresh one is fetched in the background.
 *
 * Why: every status read was a workflow query, and a query is a workflow task on the workflow
 * worker. Twenty pollers on five albums asked ~100 queries a second of a worker whose cores the
 * CPU activities were using, and each waited in line: p95 535 ms, p99 2 s. Now an album has at
 * most one query in flight, none more often than `freshMs`, and a reader waits only when the
 * album has no answer younger than `maxStaleMs` (first read, or the workflow worker stalled).
 * Whoever changes an album through this API process calls invalidate(), so its own next read
 * is fresh.
 */
export interface StatusCacheOptions {
  /** Answers younger than this are served without asking again. */
  freshMs: number;
  /** Answers older than this are not served: the reader waits for a fresh one. */
  maxStaleMs: number;
  /** Albums remembered at most (least recently read dropped first). */
  maxEntries?: number;
}

interface Entry<V> {
  value?: V;
  at: number;
  inFlight?: Promise<V>;
}

export class StatusCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly maxEntries: number;

  constructor(private readonly options: StatusCacheOptions) {
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  get(key: string, fetch: () => Promise<V>): Promise<V> {
    const now = Date.now();
    let entry = this.entries.get(key);
    if (entry) {
      // Re-inserted: the map's order is least recently read first.
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      entry = { at: 0 };
      this.entries.set(key, entry);
      this.evict();
    }
    const age = now - entry.at;
    if (entry.value !== undefined && age < this.options.freshMs) return Promise.resolve(entry.value);
    const pending = entry.inFlight ?? this.refresh(key, entry, fetch);
    if (entry.value !== undefined && age < this.options.maxStaleMs) {
      // The caller is answered now; a failed background refresh is left to the next reader.
      pending.catch(() => {});
      return Promise.resolve(entry.value);
    }
    return pending;
  }

  /** A fresh answer read by someone else (a change's own read-back): later readers get it. */
  set(key: string, value: V): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.value = value;
      entry.at = Date.now();
    }
  }

  invalidate(key: string): void {
    this.entries.delete(key);
  }

  private refresh(key: string, entry: Entry<V>, fetch: () => Promise<V>): Promise<V> {
    const started = Date.now();
    const p = fetch().then(
      (value) => {
        // An answer read back after a change (set) while this query was out is newer: keep it.
        if (this.entries.get(key) === entry && entry.at <= started) {
          entry.value = value;
          entry.at = Date.now();
        }
        return value;
      },
      (err: unknown) => {
        // A failure is never cached: not-found stays a 404 for every caller of this round only.
        if (this.entries.get(key) === entry && entry.value === undefined) this.entries.delete(key);
        throw err;
      },
    );
    entry.inFlight = p;
    const clear = () => {
      if (entry.inFlight === p) entry.inFlight = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
