/** An album's page: upload, live progress, actions, and the results. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, follow, primePhotoUrl } from '../api';
import { PhotoDialog } from '../components/photos';
import { ResultsView, type Results } from '../components/results-view';
import { Uploader } from '../components/uploader';
import { WorkflowLink } from '../components/workflow-link';
import { Link } from '../router';

interface StageProgress {
  total: number;
  done: number;
  failed: number;
  ratePerSecond: number | null;
  etaSeconds: number | null;
}

interface AlbumView {
  albumId: string;
  title?: string;
  /** `settling`: every photo is done and the album step is still to run (or running): results are not final yet. */
  status: 'processing' | 'settling' | 'idle' | 'completed' | 'cancelled';
  closeRequested: boolean;
  analysis: number;
  counts: { total: number; analyzed: number; failed: number; pending: number };
  progress: { photos: StageProgress; album: { running: boolean; upToDate: boolean } };
  workflowId?: string;
}

/** One page's photos with a ready signed URL each (`thumbnailUrl` needs the API key, so an <img> cannot use it). */
interface ResultItem {
  photoId: string;
  url?: string;
  urlExpiresAt?: string;
}

type Paged<T> = T & { items?: ResultItem[]; nextCursor?: string | null; page?: { nextCursor?: string | null } };

const nextOf = (p: Paged<unknown>) => p.nextCursor ?? p.page?.nextCursor ?? null;

/** The signed URLs a results page carries, so tiles need no extra request each. */
function primeUrls(albumId: string, items: ResultItem[] | undefined) {
  for (const it of items ?? []) if (it.url) primePhotoUrl(albumId, it.photoId, it.url, it.urlExpiresAt);
}

/**
 * All of an album's results. A large album's results come in pages (`nextCursor`): the photo
 * records and per-photo maps of every page are merged; album-wide lists come with the first.
 */
async function fetchResults(albumId: string): Promise<Results> {
  const base = `/v1/albums/${albumId}/results?limit=1000`;
  const first = await api<Paged<Results>>('GET', base);
  primeUrls(albumId, first.items);
  let next = nextOf(first);
  for (let pages = 0; next && pages < 100; pages++) {
    const more = await api<Paged<Partial<Results>>>('GET', `${base}&cursor=${encodeURIComponent(next)}`);
    primeUrls(albumId, more.items);
    first.photos = { ...first.photos, ...more.photos };
    first.quality = { ...first.quality, ...more.quality };
    first.categories = { ...first.categories, ...more.categories };
    next = nextOf(more);
  }
  return first;
}

const fmtEta = (s: number | null) => (s === null ? '—' : s < 60 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);

export function AlbumPage({ albumId }: { albumId: string }) {
  const [view, setView] = useState<AlbumView | null>(null);
  const [results, setResults] = useState<Results | null>(null);
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);
  const lastKey = useRef('');

  useEffect(() => {
    lastKey.current = '';
    return follow<AlbumView>({
      eventsPath: `/v1/albums/${albumId}/events`,
      poll: () => api<AlbumView>('GET', `/v1/albums/${albumId}`),
      // An event may carry the album's view without the fields only GET adds (workflowId, links).
      isResource: (v) => !!v && typeof v === 'object' && 'status' in v && 'counts' in v && 'progress' in v,
      onData: (v) => {
        setView((prev) => ({ ...(prev ?? {}), ...v }));
        setError(undefined);
        // Results change when photos finish or the album step runs: re-read them only then.
        const key = `${v.status}/${v.analysis}/${v.counts.analyzed}/${v.counts.failed}/${v.progress.album.upToDate}/${v.progress.album.running}`;
        if (key !== lastKey.current) {
          lastKey.current = key;
          void fetchResults(albumId).then(setResults, () => undefined);
        }
      },
      onError: (e) => setError((e as Error).message),
      isDone: (v) => v.status === 'completed' || v.status === 'cancelled',
    });
  }, [albumId, generation]);

  const act = async (method: string, path: string, confirmText?: string) => {
    if (confirmText && !window.confirm(confirmText)) return;
    setBusy(true);
    try {
      setView(await api<AlbumView>(method, path));
      setGeneration((g) => g + 1);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (!view) return <p>{error ? <span class="error">{error}</span> : 'Loading…'}</p>;
  const p = view.progress.photos;
  const finished = view.status === 'completed' || view.status === 'cancelled';
  return (
    <section>
      <p>
        <Link href="/">← Albums</Link>
      </p>
      <h1>{view.title ?? albumId}</h1>
      <p class="meta">
        <span class={`status s-${view.status}`} data-testid="album-status">
          {view.status}
        </span>
        {view.closeRequested && !finished && <span class="hint"> (closing)</span>}
        {view.status === 'settling' && <span class="hint"> (all photos analysed; grouping and highlights still running)</span>}
        <span class="hint"> · analysis {view.analysis}</span> <WorkflowLink workflowId={view.workflowId} />
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section class="card" aria-labelledby="prog-h">
        <h2 id="prog-h">Progress</h2>
        <progress max={Math.max(p.total, 1)} value={p.done + p.failed} aria-label="Photos analysed" />
        <p data-testid="progress">
          {p.done + p.failed} of {p.total} photos ({p.failed} failed) · rate {p.ratePerSecond === null ? '—' : `${p.ratePerSecond.toFixed(1)} photos/s`} · ETA{' '}
          {fmtEta(p.etaSeconds)}
          {view.progress.album.running && ' · album step running'}
        </p>
        <div class="row actions">
          <button disabled={busy || finished || view.closeRequested} onClick={() => void act('POST', `/v1/albums/${albumId}/close`)}>
            Close album
          </button>
          <button disabled={busy || finished} onClick={() => void act('DELETE', `/v1/albums/${albumId}`, 'Cancel this album? Photos in flight stop.')}>
            Cancel
          </button>
          <button disabled={busy || !finished} onClick={() => void act('POST', `/v1/albums/${albumId}/reanalyze`)}>
            Re-analyse
          </button>
        </div>
      </section>
      <Uploader albumId={albumId} disabled={finished || view.closeRequested} onUploaded={() => setGeneration((g) => g + 1)} />
      {results && <ResultsView albumId={albumId} r={results} onOpen={setOpen} />}
      {open && <PhotoDialog albumId={albumId} photoId={open} info={results?.photos[open]} photos={results?.photos} onClose={() => setOpen(null)} />}
    </section>
  );
}
