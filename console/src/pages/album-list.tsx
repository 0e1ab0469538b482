/** The albums page: the tenant's albums, paged, and a form to create one. */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { Pager } from '../components/pager';
import { WorkflowLink } from '../components/workflow-link';
import { Link, navigate } from '../router';

interface AlbumRow {
  albumId: string;
  title: string | null;
  status: string;
  startedAt: string | null;
  workflowId: string;
}

export function AlbumList() {
  const [rows, setRows] = useState<AlbumRow[] | null>(null);
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [title, setTitle] = useState('');
  const page = cursors[cursors.length - 1];

  useEffect(() => {
    setRows(null);
    api<{ albums: AlbumRow[]; nextCursor: string | null }>('GET', `/v1/albums?limit=20${page ? `&cursor=${encodeURIComponent(page)}` : ''}`).then(
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
      const r = await api<{ albumId: string }>('POST', '/v1/albums', title.trim() ? { title: title.trim() } : {});
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
