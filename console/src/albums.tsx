/** Albums: the paged list, creating one, and an album's page (upload, live progress, actions, results). */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, consoleConfig, follow, photoUrl, primePhotoUrl, putSigned, workflowUrl, type ConsoleConfig } from './api';
import type { ComponentChildren } from 'preact';
import type { AlbumView } from '../../src/shared/album';
import type {
  AlbumListResponse,
  AlbumResultsResponse,
  AlbumStatusResponse,
  PhotoInfo,
  PlanUploadsResponse,
  UploadResultResponse,
} from '../../src/shared/contract/albums';
import { PhotoDialog, SignedImg, Tile } from './photos';
import { Link, navigate } from './router';

export function useConsoleConfig() {
  const [cfg, setCfg] = useState<ConsoleConfig | null>(null);
  useEffect(() => void consoleConfig().then(setCfg), []);
  return cfg;
}

/** Newer/older buttons over a cursor-paged list: `cursors` is the stack of pages visited. */
export function Pager({
  cursors,
  next,
  setCursors,
}: {
  cursors: Array<string | undefined>;
  next?: string | null;
  setCursors: (c: Array<string | undefined>) => void;
}) {
  return (
    <div class="row pager">
      <button disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
        ← Newer
      </button>
      <button disabled={!next} onClick={() => next && setCursors([...cursors, next])}>
        Older →
      </button>
    </div>
  );
}

export function WorkflowLink({ workflowId }: { workflowId?: string }) {
  const cfg = useConsoleConfig();
  const href = workflowId ? workflowUrl(cfg, workflowId) : undefined;
  if (!href) return null;
  return (
    <a class="wf-link" href={href} target="_blank" rel="noopener noreferrer">
      Workflow in Temporal Web UI ↗
    </a>
  );
}

type AlbumRow = AlbumListResponse['albums'][number];

export function AlbumList() {
  const [rows, setRows] = useState<AlbumRow[] | null>(null);
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [title, setTitle] = useState('');
  const page = cursors[cursors.length - 1];

  useEffect(() => {
    setRows(null);
    api<AlbumListResponse>('GET', `/v1/albums?limit=20${page ? `&cursor=${encodeURIComponent(page)}` : ''}`).then(
      (r) => {
        setRows(r.albums);
        setNext(r.nextCursor);
      },
      (e: Error) => setError(e.message),
    );
  }, [page]);

  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api<AlbumStatusResponse>('POST', '/v1/albums', title.trim() ? { title: title.trim() } : {});
      navigate(`/albums/${r.albumId}`);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section>
      <h1>Albums</h1>
      <form class="card row" onSubmit={(e) => void create(e)}>
        <label for="album-title">New album</label>
        <input id="album-title" placeholder="Title (optional)" value={title} maxLength={200} onInput={(e) => setTitle(e.currentTarget.value)} />
        <button type="submit">Create album</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {rows === null ? (
        <p>Loading…</p>
      ) : rows.length === 0 ? (
        <p>No albums yet.</p>
      ) : (
        <ul class="album-list">
          {rows.map((a) => (
            <li>
              <Link href={`/albums/${a.albumId}`}>{a.title ?? a.albumId}</Link>
              <span class={`status s-${a.status}`}>{a.status}</span>
              <span class="hint">{a.startedAt ? new Date(a.startedAt).toLocaleString() : ''}</span>
              <WorkflowLink workflowId={a.workflowId} />
            </li>
          ))}
        </ul>
      )}
      <Pager cursors={cursors} next={next} setCursors={setCursors} />
    </section>
  );
}

/** The album as shown: a status event carries the view alone, GET adds the workflow id and links. */
type ShownAlbum = AlbumView & Partial<Pick<AlbumStatusResponse, 'workflowId' | 'links'>>;
type Results = AlbumResultsResponse;

/** The signed URLs a results page carries, so tiles need no extra request each (`thumbnailUrl` needs the API key). */
function primeUrls(albumId: string, items: Results['items']) {
  for (const it of items) primePhotoUrl(albumId, it.photoId, it.url, it.urlExpiresAt);
}

/**
 * All of an album's results. A large album's results come in pages (`nextCursor`): the photo
 * records and per-photo maps of every page are merged; album-wide lists come with the first.
 */
async function fetchResults(albumId: string): Promise<Results> {
  const base = `/v1/albums/${albumId}/results?limit=1000`;
  const first = await api<Results>('GET', base);
  primeUrls(albumId, first.items);
  let next = first.nextCursor;
  for (let pages = 0; next && pages < 100; pages++) {
    const more = await api<Results>('GET', `${base}&cursor=${encodeURIComponent(next)}`);
    primeUrls(albumId, more.items);
    first.photos = { ...first.photos, ...more.photos };
    first.quality = { ...first.quality, ...more.quality };
    first.categories = { ...first.categories, ...more.categories };
    next = more.nextCursor;
  }
  return first;
}

const fmtEta = (s: number | null) => (s === null ? '—' : s < 60 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);

interface UploadRow {
  name: string;
  fraction: number;
  state: 'waiting' | 'uploading' | 'sent' | 'accepted' | 'rejected';
  note?: string;
}

function Uploader({ albumId, disabled, onUploaded }: { albumId: string; disabled: boolean; onUploaded: () => void }) {
  const [rows, setRows] = useState<UploadRow[]>([]);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const upload = async (files: File[]) => {
    if (files.length === 0) return;
    const list: UploadRow[] = files.map((f) => ({ name: f.name, fraction: 0, state: 'waiting' }));
    setRows((r) => [...list, ...r]);
    const set = (i: number, patch: Partial<UploadRow>) => {
      Object.assign(list[i]!, patch);
      setRows((r) => [...r]);
    };
    const contentType = (f: File) => f.type || 'application/octet-stream';
    // Step 1: where to PUT each file; step 2: PUT them (3 at a time); step 3: tell the album.
    const plan = await api<PlanUploadsResponse>('POST', `/v1/albums/${albumId}/uploads`, {
      files: files.map((f) => ({ name: f.name, contentType: contentType(f), size: f.size })),
    });
    for (const r of plan.rejected) {
      const i = list.findIndex((row) => row.name === r.name && row.state === 'waiting');
      if (i >= 0) set(i, { state: 'rejected', note: `${r.code}: ${r.message}` });
    }
    const byIndex = plan.uploads.map((u) => ({ u, i: list.findIndex((row) => row.name === u.name && row.state === 'waiting') }));
    byIndex.forEach(({ i }) => i >= 0 && set(i, { state: 'uploading' }));
    const sent: string[] = [];
    const queue = [...byIndex];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const { u, i } = next;
          const file = files[i]!;
          try {
            await putSigned(u.url, file, u.headers['content-type'] ?? u.headers['Content-Type'] ?? contentType(file), (fraction) => set(i, { fraction }));
            set(i, { state: 'sent' });
            sent.push(u.photoId);
          } catch (e) {
            set(i, { state: 'rejected', note: (e as Error).message });
          }
        }
      }),
    );
    if (sent.length > 0) {
      const done = await api<UploadResultResponse>('POST', `/v1/albums/${albumId}/photos`, { uploaded: sent });
      for (const a of done.accepted) {
        const i = byIndex.find((b) => b.u.photoId === a.photoId)?.i;
        if (i !== undefined && i >= 0) set(i, { state: 'accepted' });
      }
      for (const r of done.rejected) {
        const i = list.findIndex((row) => row.name === r.name);
        if (i >= 0) set(i, { state: 'rejected', note: `${r.code}: ${r.message}` });
      }
    }
    onUploaded();
  };

  const fromDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (disabled) return;
    void upload(Array.from(e.dataTransfer?.files ?? []));
  };

  return (
    <section class="card" aria-labelledby="upload-h">
      <h2 id="upload-h">Upload</h2>
      <div
        id="dropzone"
        class={`dropzone${over ? ' over' : ''}${disabled ? ' disabled' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={fromDrop}
      >
        <p>{disabled ? 'This album is closed: it takes no more photos.' : 'Drop photos here, or'}</p>
        <button type="button" disabled={disabled} onClick={() => input.current?.click()}>
          Choose photos…
        </button>
        <input
          ref={input}
          class="sr-only"
          type="file"
          multiple
          accept="image/*"
          tabIndex={-1}
          aria-label="Photos to upload"
          onChange={(e) => {
            void upload(Array.from(e.currentTarget.files ?? []));
            e.currentTarget.value = '';
          }}
        />
      </div>
      {rows.length > 0 && (
        <ul class="uploads" aria-live="polite">
          {rows.map((r) => (
            <li class={`u-${r.state}`}>
              <span class="name">{r.name}</span>
              <progress max={1} value={r.fraction} aria-label={`Upload of ${r.name}`} />
              <span class="state">{r.state}</span>
              {r.note && <span class="note">{r.note}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ResultsView({ albumId, r, onOpen }: { albumId: string; r: Results; onOpen: (id: string) => void }) {
  const [category, setCategory] = useState('');
  const labelOf = (id: string) => {
    const c = r.categories[id];
    return c && 'label' in c ? c.label : undefined;
  };
  const labels = useMemo(
    () =>
      [
        ...new Set(
          Object.keys(r.categories)
            .map(labelOf)
            .filter((l): l is string => !!l),
        ),
      ].sort(),
    [r],
  );
  const shown = (id: string) => !category || labelOf(id) === category;
  /** What the category filter hides entirely: a group or person with no photo in it. */
  const hiddenNote = category ? <p class="hint">None in this category.</p> : null;
  // Keyed by photo, so a tile the filter moves keeps its own image instead of the one that stood there.
  const tile = (id: string, extra?: ComponentChildren, kept?: boolean) => (
    <Tile key={id} albumId={albumId} photoId={id} info={r.photos[id]} q={r.quality[id]} onOpen={onOpen} kept={kept}>
      {labelOf(id) && <span class="cat">{labelOf(id)}</span>}
      {extra}
    </Tile>
  );
  const allIds = Object.keys(r.photos);
  const similar = Array.isArray(r.similar) ? r.similar : null;
  const similarStatus = Array.isArray(r.similar) ? null : r.similar;
  const people = Array.isArray(r.people) ? r.people : null;
  const copyGroups = r.duplicateGroups.map((g, n) => ({ g, n })).filter(({ g }) => g.photoIds.some(shown));
  const similarGroups = similar?.filter((g) => g.photoIds.some(shown)) ?? [];
  const peopleShown = people?.filter((p) => p.photoIds.some(shown)) ?? [];
  const peopleStatus = Array.isArray(r.people) ? null : r.people;

  return (
    <div class="results">
      {!r.upToDate && <p class="hint">Results cover the photos analysed so far; more are coming.</p>}
      <div class="row">
        <label for="category">Category</label>
        <select id="category" value={category} onChange={(e) => setCategory(e.currentTarget.value)} disabled={labels.length === 0}>
          <option value="">All categories</option>
          {labels.map((l) => (
            <option value={l}>{l}</option>
          ))}
        </select>
        {labels.length === 0 && <span class="hint">(no category model installed)</span>}
      </div>

      <section aria-labelledby="hl-h">
        <h2 id="hl-h">Highlights</h2>
        <div class="grid" data-testid="highlights">
          {r.highlights.filter(shown).map((id) => tile(id))}
        </div>
        {r.highlights.length === 0 ? <p class="hint">None yet.</p> : !r.highlights.some(shown) && hiddenNote}
      </section>

      <section aria-labelledby="dup-h">
        <h2 id="dup-h">Copy groups</h2>
        {r.duplicateGroups.length === 0 ? <p class="hint">No copies found.</p> : copyGroups.length === 0 && hiddenNote}
        {copyGroups.map(({ g, n }) => {
          // The API names the kept photo of each group and why (the same photo the highlights use).
          const { kept, reason } = g;
          return (
            <div class="group" data-testid="copy-group" key={n}>
              <p>
                Group {n + 1}: kept <strong>{r.photos[kept]?.name ?? kept}</strong> — <span class="reason">{reason}</span>
              </p>
              <div class="grid">
                {[kept, ...g.photoIds.filter((id) => id !== kept)]
                  .filter(shown)
                  .map((id) => tile(id, id === kept ? <span class="badge keep">Kept</span> : <span class="badge">Copy</span>, id === kept))}
              </div>
            </div>
          );
        })}
      </section>

      <section aria-labelledby="sim-h">
        <h2 id="sim-h">Similar shots</h2>
        {similarStatus ? (
          <p class="hint">
            Similar shots: {similarStatus.status}
            {similarStatus.reason ? ` — ${similarStatus.reason}` : ''}
          </p>
        ) : !similar || similar.length === 0 ? (
          <p class="hint">No similar-shot groups.</p>
        ) : similarGroups.length === 0 ? (
          hiddenNote
        ) : (
          similarGroups.map((g) => {
            const best = g.best;
            const ids = [best, ...g.photoIds.filter((id) => id !== best)];
            return (
              <div class="grid group" data-testid="similar-group" key={ids.join()}>
                {ids.filter(shown).map((id) => (id === best ? tile(id, <span class="badge keep">Best</span>, true) : tile(id)))}
              </div>
            );
          })
        )}
      </section>

      <section aria-labelledby="ppl-h">
        <h2 id="ppl-h">People</h2>
        {peopleStatus && (
          <p class="hint">
            People: {peopleStatus.status}
            {peopleStatus.reason ? ` — ${peopleStatus.reason}` : ''}
          </p>
        )}
        {people && people.length === 0 && <p class="hint">No faces found.</p>}
        {people && people.length > 0 && peopleShown.length === 0 && hiddenNote}
        {peopleShown.length > 0 && (
          <div class="grid people">
            {peopleShown.map((p) => (
              <figure class="person" key={p.personId}>
                <FaceCrop albumId={albumId} p={p} info={r.photos} onOpen={onOpen} />
                <figcaption>
                  {p.personId} · {p.photoIds.length} photos
                </figcaption>
              </figure>
            ))}
          </div>
        )}
      </section>

      <section aria-labelledby="all-h">
        <h2 id="all-h">All photos ({allIds.length})</h2>
        <div class="grid">{allIds.filter(shown).map((id) => tile(id))}</div>
        {allIds.length > 0 && !allIds.some(shown) && hiddenNote}
      </section>

      <section aria-labelledby="fail-h">
        <h2 id="fail-h">Failures ({r.failed.length})</h2>
        {r.failed.length > 0 && (
          <div class="table-wrap">
            <table data-testid="failures">
              <thead>
                <tr>
                  <th>File</th>
                  <th>Code</th>
                  <th>Stage</th>
                  <th>Message</th>
                </tr>
              </thead>
              <tbody>
                {r.failed.map((f) => (
                  <tr>
                    <td>{f.name}</td>
                    <td>
                      <code>{f.code}</code>
                    </td>
                    <td>{f.stage}</td>
                    <td>{f.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {Object.keys(r.models).length > 0 && (
        <details>
          <summary>Methods and models</summary>
          <pre>{JSON.stringify(r.models, null, 2)}</pre>
        </details>
      )}
    </div>
  );
}

/** A person as a face crop when the results carry a face box, else their first photo. */
function FaceCrop({
  albumId,
  p,
  info,
  onOpen,
}: {
  albumId: string;
  p: Extract<Results['people'], unknown[]>[number];
  info: Record<string, PhotoInfo>;
  onOpen: (id: string) => void;
}) {
  const crop = p.crops[0];
  const photoId = crop?.photoId ?? p.photoIds[0]!;
  const ref = useRef<HTMLSpanElement>(null);
  // Fetched at once, not when scrolled into view: the scaled, shifted crop never reports an intersection.
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    let live = true;
    photoUrl(albumId, photoId).then(
      (u) => live && setSrc(u),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [albumId, photoId]);
  useEffect(() => {
    // Set through the CSSOM (allowed by the CSP), not a style attribute.
    const el = ref.current;
    const size = info[photoId];
    if (!el || !crop || !size) return;
    const scale = 96 / Math.max(crop.box.width, crop.box.height);
    const img = el.querySelector('img');
    if (!img) return;
    img.style.width = `${size.width * scale}px`;
    img.style.height = `${size.height * scale}px`;
    img.style.maxWidth = 'none';
    img.style.transform = `translate(${-crop.box.x * scale}px, ${-crop.box.y * scale}px)`;
  });
  return (
    <button class="face" onClick={() => onOpen(photoId)} aria-label={`Open a photo of ${p.personId}`}>
      <span ref={ref} class="face-crop">
        <SignedImg albumId={albumId} photoId={photoId} src={src} alt={`${p.personId} in ${info[photoId]?.name ?? photoId}`} />
      </span>
    </button>
  );
}

export function AlbumPage({ albumId }: { albumId: string }) {
  const [view, setView] = useState<ShownAlbum | null>(null);
  const [results, setResults] = useState<Results | null>(null);
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);
  const lastKey = useRef('');

  useEffect(() => {
    lastKey.current = '';
    return follow<ShownAlbum>({
      eventsPath: `/v1/albums/${albumId}/events`,
      poll: () => api<AlbumStatusResponse>('GET', `/v1/albums/${albumId}`),
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
      {open && <PhotoDialog albumId={albumId} photoId={open} info={results?.photos[open]} onClose={() => setOpen(null)} />}
    </section>
  );
}
