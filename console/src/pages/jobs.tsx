/** GPU jobs: style transfers (before/after) and tuning reports (streamed text, context sources), with queue state. */
import { useEffect, useState } from 'preact/hooks';
import { api, follow, photoUrl } from '../api';
import { Pager } from '../components/pager';
import { WorkflowLink } from '../components/workflow-link';
import { rememberedJobs, rememberJob } from '../components/photos';
import { Link, navigate, query } from '../router';

interface QueueSnapshot {
  queue: string;
  backlog?: number | null;
  backlogAgeSeconds?: number | null;
  pollers?: number;
  error?: string;
}

interface JobStatus {
  workflowId: string;
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  workflowStatus: string;
  phase?: string;
  attempt?: number;
  lastFailure?: string;
  error?: { code: string; message: string };
  queue?: QueueSnapshot;
}

const finished = (s: JobStatus) => s.state === 'done' || s.state === 'failed' || s.state === 'cancelled';

function QueueState({ s, steps }: { s: JobStatus; steps?: { step: number; totalSteps: number } }) {
  const q = s.queue;
  return (
    <section class="card" aria-labelledby="q-h">
      <h2 id="q-h">Job</h2>
      <p>
        State:{' '}
        <span class={`status s-${s.state}`} data-testid="job-state">
          {s.state}
        </span>
        {s.phase && <span class="hint"> · {s.phase}</span>}
        {s.attempt && s.attempt > 1 && <span class="hint"> · attempt {s.attempt}</span>}
      </p>
      {s.state === 'running' && steps && (
        <p>
          <progress max={steps.totalSteps} value={steps.step} aria-label="Steps" /> step {steps.step} of {steps.totalSteps}
        </p>
      )}
      {s.lastFailure && <p class="hint">Last attempt failed: {s.lastFailure}</p>}
      {s.error && (
        <p class="error" role="alert">
          <code>{s.error.code}</code> {s.error.message}
        </p>
      )}
      {q && (
        <p class="hint" data-testid="queue">
          GPU queue <code>{q.queue}</code>:{' '}
          {q.error
            ? `unavailable (${q.error})`
            : `backlog ${q.backlog ?? '—'}${q.backlogAgeSeconds ? ` (oldest ${Math.round(q.backlogAgeSeconds)} s)` : ''} · pollers ${q.pollers ?? 0}`}
        </p>
      )}
      <WorkflowLink workflowId={s.workflowId} />
    </section>
  );
}

function useJob<T extends JobStatus>(path: string) {
  const [s, setS] = useState<T | null>(null);
  const [error, setError] = useState<string>();
  useEffect(
    () =>
      follow<T>({
        poll: () => api<T>('GET', path),
        onData: (v) => {
          setS(v);
          setError(undefined);
        },
        onError: (e) => setError((e as Error).message),
        isDone: finished,
      }),
    [path],
  );
  const cancel = async () => {
    try {
      setS(await api<T>('DELETE', path));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return { s, error, cancel };
}

interface StyleStatus extends JobStatus {
  styleId: string;
  progress?: { step: number; totalSteps: number; fraction: number };
  prompt?: { prompt: string; style: string; source: string; matcher?: string; similarity?: number; fallbackReason?: string };
  result?: { url: string; backend?: string; fallback?: boolean; width?: number; height?: number; renderMs?: number };
}

export function StylePage({ styleId }: { styleId: string }) {
  const { s, error, cancel } = useJob<StyleStatus>(`/v1/styles/${styleId}`);
  const albumId = query('album');
  const photoId = query('photo');
  const [before, setBefore] = useState<string>();
  const [reference, setReference] = useState<string>();
  // Style by example names its reference photo as `photo:<id>`.
  const referenceId = s?.prompt?.source === 'example' ? s.prompt.style.replace(/^photo:/, '') : undefined;
  useEffect(() => {
    if (albumId && photoId) void photoUrl(albumId, photoId).then(setBefore, () => undefined);
  }, [albumId, photoId]);
  useEffect(() => {
    if (albumId && referenceId) void photoUrl(albumId, referenceId).then(setReference, () => undefined);
  }, [albumId, referenceId]);
  return (
    <section>
      <p>
        <Link href="/jobs">← GPU jobs</Link>
      </p>
      <h1>Style transfer {styleId}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {s && <QueueState s={s} steps={s.progress} />}
      {s && !finished(s) && <button onClick={() => void cancel()}>Cancel job</button>}
      {s?.prompt && s.prompt.source !== 'example' && (
        <p>
          Style <strong>{s.prompt.style}</strong>
          {s.prompt.matcher ? ` (chosen by ${s.prompt.matcher}${s.prompt.similarity ? `, similarity ${s.prompt.similarity.toFixed(2)}` : ''})` : ''} · prompt (
          {s.prompt.source}
          {s.prompt.fallbackReason ? `, ${s.prompt.fallbackReason}` : ''}): <em>{s.prompt.prompt}</em>
        </p>
      )}
      <div class="before-after">
        <figure>
          {before ? <img src={before} alt="Before" /> : <div class="placeholder">{albumId ? 'Loading…' : 'Source photo not known in this tab'}</div>}
          <figcaption>Before</figcaption>
        </figure>
        {referenceId && (
          <figure>
            {reference ? <img src={reference} alt="Style reference" /> : <div class="placeholder">Loading…</div>}
            <figcaption>Style reference</figcaption>
          </figure>
        )}
        <figure>
          {s?.result?.url ? (
            <img src={s.result.url} alt="After" data-testid="style-after" />
          ) : (
            <div class="placeholder">{s?.state === 'failed' ? 'Failed' : 'Rendering…'}</div>
          )}
          <figcaption>
            After
            {s?.result && (
              <span class="hint">
                {' '}
                · {s.result.backend}
                {s.result.fallback ? ' (colour filter fallback)' : ''} · {s.result.width}×{s.result.height}
              </span>
            )}
          </figcaption>
        </figure>
      </div>
    </section>
  );
}

interface ContextResult {
  source: string;
  status: string;
  provider: string;
  query?: string;
  items: Array<{ title: string; url?: string; snippet?: string }>;
  error?: string;
}

interface ReportStatus extends JobStatus {
  reportId: string;
  progress?: { tokens: number; text?: string };
  context?: ContextResult[];
  report?: { text: string; source: string; model?: string; tokens?: { prompt: number; completion: number }; generationMs?: number };
}

export function ReportPage({ reportId }: { reportId: string }) {
  const { s, error, cancel } = useJob<ReportStatus>(`/v1/reports/${reportId}`);
  const text = s?.report?.text ?? s?.progress?.text ?? '';
  return (
    <section>
      <p>
        <Link href="/jobs">← GPU jobs</Link>
      </p>
      <h1>Tuning report {reportId}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {s && <QueueState s={s} />}
      {s && !finished(s) && <button onClick={() => void cancel()}>Cancel job</button>}
      <section class="card" aria-labelledby="rep-h">
        <h2 id="rep-h">
          Report{' '}
          {s?.report && (
            <span class="hint">
              ({s.report.source}
              {s.report.model ? `, ${s.report.model}` : ''})
            </span>
          )}
          {!s?.report && s?.progress && <span class="hint"> ({s.progress.tokens} tokens so far)</span>}
        </h2>
        <pre class="report" aria-live="polite" data-testid="report-text">
          {text || (s && !finished(s) ? 'Waiting for the first tokens…' : '')}
        </pre>
      </section>
      <section class="card" aria-labelledby="ctx-h">
        <h2 id="ctx-h">Sources of context</h2>
        {(s?.context ?? []).length === 0 && <p class="hint">Gathering…</p>}
        <ul class="sources" data-testid="sources">
          {(s?.context ?? []).map((c) => (
            <li>
              <strong>{c.source}</strong> · {c.provider} · <span class={`status s-${c.status}`}>{c.status}</span>
              {c.query && <span class="hint"> · “{c.query}”</span>}
              {c.error && <span class="hint"> · {c.error}</span>}
              {c.items.length > 0 && (
                <ul>
                  {c.items.map((i) => (
                    <li>
                      {i.url ? (
                        <a href={i.url} target="_blank" rel="noopener noreferrer">
                          {i.title}
                        </a>
                      ) : (
                        i.title
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      </section>
    </section>
  );
}

const split = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function ProfileFields({
  n,
  v,
  set,
}: {
  n: number;
  v: { name: string; interests: string; music: string; bio: string };
  set: (v: { name: string; interests: string; music: string; bio: string }) => void;
}) {
  return (
    <fieldset>
      <legend>Profile {n}</legend>
      <label>
        Name <input name={`p${n}-name`} value={v.name} onInput={(e) => set({ ...v, name: e.currentTarget.value })} />
      </label>
      <label>
        Interests (comma-separated) <input name={`p${n}-interests`} value={v.interests} onInput={(e) => set({ ...v, interests: e.currentTarget.value })} />
      </label>
      <label>
        Music (comma-separated) <input name={`p${n}-music`} value={v.music} onInput={(e) => set({ ...v, music: e.currentTarget.value })} />
      </label>
      <label>
        Bio <textarea name={`p${n}-bio`} value={v.bio} onInput={(e) => set({ ...v, bio: e.currentTarget.value })} />
      </label>
    </fieldset>
  );
}

interface JobRow {
  kind: 'style' | 'report';
  id: string;
  status: string;
  startedAt: string | null;
  workflowId: string;
}

export function JobsPage() {
  const remembered = new Map(rememberedJobs().map((j) => [j.id, j]));
  const [jobs, setJobs] = useState<JobRow[] | null>(null);
  const [queues, setQueues] = useState<QueueSnapshot[]>([]);
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [next, setNext] = useState<string | null>(null);
  const page = cursors[cursors.length - 1];
  const [error, setError] = useState<string>();
  useEffect(() => {
    // The list and the queues' backlog change while jobs run: re-read every 5 s while visible.
    let live = true;
    const load = () =>
      api<{ jobs: JobRow[]; nextCursor: string | null; queues: QueueSnapshot[] }>(
        'GET',
        `/v1/jobs?limit=20${page ? `&cursor=${encodeURIComponent(page)}` : ''}`,
      ).then(
        (r) => {
          if (!live) return;
          setJobs(r.jobs);
          setNext(r.nextCursor);
          setQueues(r.queues);
        },
        (e: Error) => live && setError(e.message),
      );
    void load();
    const t = setInterval(() => document.visibilityState === 'visible' && void load(), 5000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [page]);
  const href = (j: JobRow) => {
    const r = remembered.get(j.id);
    return j.kind === 'style' ? `/styles/${j.id}${r?.albumId ? `?album=${r.albumId}&photo=${r.photoId}` : ''}` : `/reports/${j.id}`;
  };
  const [a, setA] = useState({ name: '민지', interests: '사진, 재즈, 등산', music: 'Norah Jones', bio: '주말마다 카메라 들고 산에 가요.' });
  const [b, setB] = useState({ name: '준호', interests: '재즈, 요리', music: 'Chet Baker', bio: '재즈 바와 새로운 음식점을 좋아합니다.' });
  const start = async (e: Event) => {
    e.preventDefault();
    const profile = (p: typeof a) => ({
      ...(p.name.trim() ? { name: p.name.trim() } : {}),
      interests: split(p.interests),
      music: split(p.music),
      bio: p.bio.trim(),
    });
    try {
      const r = await api<{ reportId: string }>('POST', '/v1/reports', { profiles: [profile(a), profile(b)] });
      rememberJob({ kind: 'report', id: r.reportId, label: `${a.name || 'A'} × ${b.name || 'B'}` });
      navigate(`/reports/${r.reportId}`);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section>
      <h1>GPU jobs</h1>
      <ul class="queues" data-testid="queues">
        {queues.map((q) => (
          <li class="card">
            <code>{q.queue}</code>
            <br />
            {q.error
              ? `unavailable: ${q.error}`
              : `backlog ${q.backlog ?? '—'}${q.backlogAgeSeconds ? ` (oldest ${Math.round(q.backlogAgeSeconds)} s)` : ''} · pollers ${q.pollers ?? 0}`}
          </li>
        ))}
      </ul>
      <p class="hint">Style transfers start from a photo: open it large in its album.</p>
      {jobs === null ? (
        <p>Loading…</p>
      ) : jobs.length === 0 ? (
        <p>No GPU jobs yet.</p>
      ) : (
        <ul class="album-list" data-testid="jobs">
          {jobs.map((j) => (
            <li>
              <Link href={href(j)}>
                {j.kind === 'style' ? 'Style' : 'Report'} {remembered.get(j.id)?.label ?? j.id}
              </Link>
              <span class={`status s-${j.status}`}>{j.status}</span>
              <span class="hint">{j.startedAt ? new Date(j.startedAt).toLocaleString() : ''}</span>
              <WorkflowLink workflowId={j.workflowId} />
            </li>
          ))}
        </ul>
      )}
      <Pager cursors={cursors} next={next} setCursors={setCursors} />
      <form class="card" onSubmit={(e) => void start(e)}>
        <h2>New tuning report</h2>
        <div class="two">
          <ProfileFields n={1} v={a} set={setA} />
          <ProfileFields n={2} v={b} set={setB} />
        </div>
        <button type="submit">Write report</button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
