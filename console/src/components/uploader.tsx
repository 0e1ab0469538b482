/** Drag-and-drop upload into an album: signed PUTs with progress per file, then one registration call. */
import { useRef, useState } from 'preact/hooks';
import { api, putSigned } from '../api';

interface UploadRow {
  name: string;
  fraction: number;
  state: 'waiting' | 'uploading' | 'sent' | 'accepted' | 'rejected';
  note?: string;
}

export function Uploader({ albumId, disabled, onUploaded }: { albumId: string; disabled: boolean; onUploaded: () => void }) {
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
    const plan = await api<{
      uploads: Array<{ photoId: string; name: string; url: string; headers?: Record<string, string> }>;
      rejected: Array<{ name: string; code: string; message: string }>;
    }>('POST', `/v1/albums/${albumId}/uploads`, { files: files.map((f) => ({ name: f.name, contentType: contentType(f), size: f.size })) });
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
            await putSigned(u.url, file, u.headers?.['content-type'] ?? u.headers?.['Content-Type'] ?? contentType(file), (fraction) => set(i, { fraction }));
            set(i, { state: 'sent' });
            sent.push(u.photoId);
          } catch (e) {
            set(i, { state: 'rejected', note: (e as Error).message });
          }
        }
      }),
    );
    if (sent.length > 0) {
      const done = await api<{ accepted: Array<{ photoId: string; name: string }>; rejected: Array<{ name: string; code: string; message: string }> }>(
        'POST',
        `/v1/albums/${albumId}/photos`,
        { uploaded: sent },
      );
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
