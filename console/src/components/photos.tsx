/** Photo tiles, quality badges and the large view (through a fresh signed URL). */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, photoUrl } from '../api';
import { navigate } from '../router';

export interface Quality {
  score: number;
  blurry: boolean;
  exposure: 'under' | 'over' | 'ok';
}

export function Badges({ q }: { q?: Quality }) {
  if (!q) return null;
  const badges: Array<[string, string]> = [];
  if (q.blurry) badges.push(['blurry', 'Blurry']);
  if (q.exposure === 'under') badges.push(['dark', 'Dark']);
  if (q.exposure === 'over') badges.push(['blown', 'Blown out']);
  if (badges.length === 0) return null;
  return (
    <span class="badges">
      {badges.map(([cls, text]) => (
        <span class={`badge ${cls}`}>{text}</span>
      ))}
    </span>
  );
}

/** An image whose signed URL is fetched once it is near the viewport. */
export function SignedImg({ albumId, photoId, src, alt, class: cls }: { albumId: string; photoId: string; src?: string; alt: string; class?: string }) {
  const ref = useRef<HTMLImageElement>(null);
  const [url, setUrl] = useState<string | undefined>(src);
  useEffect(() => {
    if (src) return setUrl(src);
    const el = ref.current;
    if (!el) return;
    let cancelled = false;
    const load = () =>
      void photoUrl(albumId, photoId).then(
        (u) => !cancelled && setUrl(u),
        () => undefined,
      );
    if (!('IntersectionObserver' in window)) {
      load();
      return;
    }
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          io.disconnect();
          load();
        }
      },
      { rootMargin: '200px' },
    );
    io.observe(el);
    return () => {
      cancelled = true;
      io.disconnect();
    };
  }, [albumId, photoId, src]);
  return <img ref={ref} src={url} alt={alt} class={cls} decoding="async" data-photo-id={photoId} />;
}

export interface PhotoInfo {
  name: string;
  width?: number;
  height?: number;
}

export function Tile({
  albumId,
  photoId,
  info,
  q,
  onOpen,
  children,
  kept,
}: {
  albumId: string;
  photoId: string;
  info?: PhotoInfo;
  q?: Quality;
  onOpen: (id: string) => void;
  children?: ComponentChildren;
  kept?: boolean;
}) {
  const name = info?.name ?? photoId;
  return (
    <figure class={`tile${kept ? ' kept' : ''}`}>
      <button class="tile-open" onClick={() => onOpen(photoId)} aria-label={`Open ${name} large`}>
        <SignedImg albumId={albumId} photoId={photoId} alt={name} />
      </button>
      <figcaption>
        <span class="name" title={name}>
          {name}
        </span>
        <Badges q={q} />
        {children}
      </figcaption>
    </figure>
  );
}

/** The large view: a modal dialog with the photo at full size and a style-transfer form. */
export function PhotoDialog({
  albumId,
  photoId,
  info,
  photos,
  onClose,
}: {
  albumId: string;
  photoId: string;
  info?: PhotoInfo;
  /** The album's photos: the choices for style by example. */
  photos?: Record<string, PhotoInfo>;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [url, setUrl] = useState<string>();
  const [request, setRequest] = useState('');
  const [styleFrom, setStyleFrom] = useState('');
  const references = Object.entries(photos ?? {}).filter(([id]) => id !== photoId);
  const [error, setError] = useState<string>();
  useEffect(() => {
    ref.current?.showModal();
    void api<{ url: string }>('GET', `/v1/albums/${albumId}/photos/${photoId}`).then(
      (r) => setUrl(r.url),
      (e: Error) => setError(e.message),
    );
  }, [albumId, photoId]);
  const style = async (e: Event, byExample = false) => {
    e.preventDefault();
    try {
      const body = byExample ? { albumId, photoId, styleFromPhotoId: styleFrom } : { albumId, photoId, request };
      const r = await api<{ styleId: string }>('POST', '/v1/styles', body);
      const label = byExample ? `in the style of ${photos?.[styleFrom]?.name ?? styleFrom}` : request;
      rememberJob({ kind: 'style', id: r.styleId, label: `${info?.name ?? photoId}: ${label}`, albumId, photoId });
      onClose();
      navigate(`/styles/${r.styleId}?album=${albumId}&photo=${photoId}`);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <dialog ref={ref} class="photo-dialog" onClose={onClose} aria-label={info?.name ?? photoId}>
      <div class="dialog-head">
        <h2>{info?.name ?? photoId}</h2>
        <button onClick={() => ref.current?.close()} aria-label="Close">
          ✕
        </button>
      </div>
      {url ? <img src={url} alt={info?.name ?? photoId} class="large" /> : <p>Loading…</p>}
      {info?.width && (
        <p class="hint">
          {info.width}×{info.height}
        </p>
      )}
      <form onSubmit={(e) => void style(e)} class="row">
        <label for="style-request" class="sr-only">
          Style request
        </label>
        <input
          id="style-request"
          placeholder="Style request, e.g. 지브리 스타일로 바꿔줘"
          value={request}
          onInput={(e) => setRequest(e.currentTarget.value)}
          required
          maxLength={500}
        />
        <button type="submit" disabled={!request.trim()}>
          Start style transfer
        </button>
      </form>
      {references.length > 0 && (
        <form onSubmit={(e) => void style(e, true)} class="row">
          <label for="style-from">Style by example: in the style of</label>
          <select id="style-from" value={styleFrom} onChange={(e) => setStyleFrom(e.currentTarget.value)} required>
            <option value="">another photo…</option>
            {references.map(([id, p]) => (
              <option value={id} key={id}>
                {p.name}
              </option>
            ))}
          </select>
          <button type="submit" disabled={!styleFrom}>
            Paint in that style
          </button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </dialog>
  );
}

export interface RememberedJob {
  kind: 'style' | 'report';
  id: string;
  label: string;
  albumId?: string;
  photoId?: string;
  at?: string;
}

/** Jobs started from this tab, for the GPU jobs page (the API has no job list). */
export function rememberJob(job: RememberedJob) {
  const jobs = rememberedJobs().filter((j) => j.id !== job.id);
  jobs.unshift({ ...job, at: new Date().toISOString() });
  sessionStorage.setItem('lightbox.jobs', JSON.stringify(jobs.slice(0, 50)));
}

export function rememberedJobs(): RememberedJob[] {
  try {
    return JSON.parse(sessionStorage.getItem('lightbox.jobs') ?? '[]');
  } catch {
    return [];
  }
}
