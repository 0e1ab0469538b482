/**
 * The console's only way to the API. The API key lives in sessionStorage (this tab, until it
 * closes) and travels only in the Authorization header: never in a URL, never logged.
 */
import type { PhotoUrlResponse } from '../../src/shared/contract/albums';
import type { ConsoleConfig } from '../../src/shared/contract/system';

const KEY = 'lightbox.apiKey';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string) => {
    sessionStorage.setItem(KEY, key);
    configPromise = undefined;
  },
  signOut: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const authHeaders = (): Record<string, string> => {
  const key = session.key();
  return key ? { authorization: `Bearer ${key}` } : {};
};

// Untyped by default: callers that read fields name T.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function api<T = any>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  let parsed: { error?: { code?: string; message?: string } } | undefined;
  try {
    parsed = text ? (JSON.parse(text) as typeof parsed) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    if (res.status === 401) window.dispatchEvent(new Event('lightbox:unauthenticated'));
    throw new ApiError(res.status, parsed?.error?.code ?? `HTTP_${res.status}`, parsed?.error?.message ?? res.statusText);
  }
  return parsed as T;
}

/** PUT one file to its signed URL with upload progress (fetch has no upload progress; XHR does). */
export function putSigned(url: string, file: File, contentType: string, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('content-type', contentType);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? (onProgress(1), resolve())
        : reject(new ApiError(xhr.status, `HTTP_${xhr.status}`, xhr.statusText || 'upload failed'));
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'upload failed (network)'));
    xhr.send(file);
  });
}

/**
 * Follows a resource live: server-sent events from `eventsPath` when the API has them (read with
 * fetch, since EventSource cannot send the Authorization header), else polling `poll` politely —
 * every 2 s while it changes, backing off to 10 s while it does not, and not at all in a hidden tab.
 * `onData` gets each event's JSON (or each poll's answer); return true from `isDone` to stop.
 */
export function follow<T>(opts: {
  eventsPath?: string;
  poll: () => Promise<T>;
  onData: (v: T) => void;
  onError?: (e: unknown) => void;
  isDone: (v: T) => boolean;
  /** Whether an event's JSON is the resource itself (then no re-read is needed). */
  isResource?: (v: unknown) => boolean;
}): () => void {
  const ctrl = new AbortController();
  let stopped = false;
  const stop = () => {
    stopped = true;
    ctrl.abort();
  };

  const pollLoop = async () => {
    let delay = 1000;
    let last = '';
    while (!stopped) {
      if (document.visibilityState !== 'hidden') {
        try {
          const v = await opts.poll();
          if (stopped) return;
          opts.onData(v);
          if (opts.isDone(v)) return;
          const now = JSON.stringify(v);
          delay = now === last ? Math.min(delay * 1.5, 10_000) : 2000;
          last = now;
        } catch (e) {
          opts.onError?.(e);
          delay = Math.min(delay * 2, 10_000);
        }
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  };

  const sseLoop = async (path: string): Promise<boolean> => {
    const res = await fetch(path, { headers: { ...authHeaders(), accept: 'text/event-stream' }, signal: ctrl.signal });
    if (!res.ok || !res.body || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) return false;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return true;
      buf += value.replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (!data) continue;
        await onEvent(data);
      }
    }
  };

  // An event that carries the resource itself is used as is; any other event means "changed":
  // the resource is re-read, at most one read in flight and one queued, however fast events come.
  let reading: Promise<void> | null = null;
  let again = false;
  const reread = async (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        try {
          const v = await opts.poll();
          if (stopped) return;
          opts.onData(v);
          if (opts.isDone(v)) stop();
        } catch (e) {
          opts.onError?.(e);
        }
      } while (again && !stopped);
    })().finally(() => (reading = null));
    return reading;
  };
  const onEvent = async (data: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      parsed = undefined;
    }
    if (opts.isResource?.(parsed)) {
      opts.onData(parsed as T);
      if (opts.isDone(parsed as T)) stop();
      return;
    }
    void reread();
  };

  void (async () => {
    try {
      const first = await opts.poll();
      opts.onData(first);
      if (opts.isDone(first) || stopped) return;
    } catch (e) {
      opts.onError?.(e);
    }
    if (opts.eventsPath) {
      // A stream that ends (or never starts: no such route yet) while the resource still runs
      // falls through to polling.
      await sseLoop(opts.eventsPath).catch(() => false);
      if (stopped) return;
    }
    await pollLoop();
  })();
  return stop;
}

/** Signed photo URLs, fetched on demand, a few at a time, and kept until shortly before they expire. */
const urlCache = new Map<string, { url: string; until: number }>();
const waiting: Array<() => void> = [];
let inFlight = 0;
const MAX_IN_FLIGHT = 4;

/** A signed URL the API already gave (a results page's `items`), kept like one fetched here. */
export function primePhotoUrl(albumId: string, photoId: string, url: string, expiresAt?: string) {
  const until = (expiresAt ? Date.parse(expiresAt) : Date.now() + 5 * 60_000) - 30_000;
  if (until > Date.now()) urlCache.set(`${albumId}/${photoId}`, { url, until });
}

export async function photoUrl(albumId: string, photoId: string): Promise<string> {
  const k = `${albumId}/${photoId}`;
  const hit = urlCache.get(k);
  if (hit && hit.until > Date.now()) return hit.url;
  if (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => waiting.push(r));
  inFlight++;
  try {
    const r = await api<PhotoUrlResponse>('GET', `/v1/albums/${albumId}/photos/${photoId}`);
    const expires = Date.parse(r.expiresAt);
    urlCache.set(k, { url: r.url, until: expires - 30_000 });
    return r.url;
  } finally {
    inFlight--;
    waiting.shift()?.();
  }
}

export type { ConsoleConfig };
let configPromise: Promise<ConsoleConfig | null> | undefined;
export const consoleConfig = () => (configPromise ??= api<ConsoleConfig>('GET', '/v1/console-config').catch(() => null));

export const workflowUrl = (cfg: ConsoleConfig | null, workflowId: string) =>
  cfg ? `${cfg.temporal.webUiUrl}/namespaces/${encodeURIComponent(cfg.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined;
