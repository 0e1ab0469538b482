/** An album's results: highlights, copies and similar shots with the kept photo, people, categories, quality, failures. */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { photoUrl } from '../api';
import { SignedImg, Tile, type PhotoInfo, type Quality } from './photos';

type Group = string[] | { photoIds: string[]; best?: string; kept?: string; keptPhotoId?: string; reason?: string };
/** A result the analysis could not produce (e.g. `model-not-installed`), with why. */
interface NotProduced {
  status: string;
  reason?: string;
}

export interface Results {
  status: string;
  upToDate: boolean;
  photos: Record<string, PhotoInfo>;
  highlights: string[];
  highlightScores: Array<{ photoId: string; score: number; represents: string[] }>;
  duplicates: Group[];
  /** Groups of similar shots, each with its `best` photo; or why there are none (no semantic model). */
  similar?: Group[] | NotProduced;
  people:
    | Array<{
        personId: string;
        /** The tenant's name for the person, when someone gave one (People page). */
        name?: string | null;
        photoIds: string[];
        faces: number;
        crops?: Array<{ photoId: string; box: { x: number; y: number; width: number; height: number } }>;
      }>
    | NotProduced;
  categories: Record<string, { label: string; names?: { en: string; ko: string }; score: number } | { status: string }>;
  quality: Record<string, Quality & { resolution?: number; megapixels?: number }>;
  failed: Array<{ photoId: string; name: string; code: string; stage: string; message: string; attempts?: number }>;
  models: Record<string, unknown> | null;
}

const groupIds = (g: Group) => (Array.isArray(g) ? g : g.photoIds);
const bestOf = (g: Group) => (Array.isArray(g) ? undefined : (g.best ?? g.kept ?? g.keptPhotoId));

/** Which photo of a copy group is kept, and why: the API's word when it gives one, else the same rule the ranking uses. */
function keptOf(g: Group, r: Results): { kept: string; reason: string } {
  const ids = groupIds(g);
  if (!Array.isArray(g) && (g.kept ?? g.keptPhotoId)) return { kept: (g.kept ?? g.keptPhotoId)!, reason: g.reason ?? 'chosen by the analysis' };
  const rep = r.highlightScores.find((h) => ids.includes(h.photoId));
  const q = (id: string) => r.quality[id]?.score ?? 0;
  const kept = rep?.photoId ?? [...ids].sort((a, b) => q(b) - q(a))[0]!;
  const others = ids.filter((id) => id !== kept);
  const px = (id: string) => (r.photos[id]?.width ?? 0) * (r.photos[id]?.height ?? 0);
  const why = [`best quality score (${q(kept).toFixed(2)} vs ${others.map((o) => q(o).toFixed(2)).join(', ')})`];
  if (others.every((o) => px(kept) > px(o))) why.push(`largest (${r.photos[kept]?.width}×${r.photos[kept]?.height})`);
  const blurry = others.filter((o) => r.quality[o]?.blurry).map((o) => r.photos[o]?.name ?? o);
  if (blurry.length > 0) why.push(`${blurry.join(', ')} blurry`);
  return { kept, reason: why.join('; ') };
}

export function ResultsView({ albumId, r, onOpen }: { albumId: string; r: Results; onOpen: (id: string) => void }) {
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
  const similarStatus = r.similar === undefined || Array.isArray(r.similar) ? null : r.similar;
  const people = Array.isArray(r.people) ? r.people : null;
  const copyGroups = r.duplicates.map((g, n) => ({ g, n })).filter(({ g }) => groupIds(g).some(shown));
  const similarGroups = similar?.filter((g) => groupIds(g).some(shown)) ?? [];
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
        {r.duplicates.length === 0 ? <p class="hint">No copies found.</p> : copyGroups.length === 0 && hiddenNote}
        {copyGroups.map(({ g, n }) => {
          const { kept, reason } = keptOf(g, r);
          return (
            <div class="group" data-testid="copy-group" key={n}>
              <p>
                Group {n + 1}: kept <strong>{r.photos[kept]?.name ?? kept}</strong> — <span class="reason">{reason}</span>
              </p>
              <div class="grid">
                {[kept, ...groupIds(g).filter((id) => id !== kept)]
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
        ) : !similar ? (
          <p class="hint">Not provided by this analysis (needs the similarity model).</p>
        ) : similar.length === 0 ? (
          <p class="hint">No similar-shot groups.</p>
        ) : similarGroups.length === 0 ? (
          hiddenNote
        ) : (
          similarGroups.map((g) => {
            const best = bestOf(g);
            const ids = best ? [best, ...groupIds(g).filter((id) => id !== best)] : groupIds(g);
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
                  {p.name ?? p.personId} · {p.photoIds.length} photos
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
      {r.models && (
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
  p: { personId: string; photoIds: string[]; crops?: Array<{ photoId: string; box: { x: number; y: number; width: number; height: number } }> };
  info: Record<string, PhotoInfo>;
  onOpen: (id: string) => void;
}) {
  const crop = p.crops?.[0];
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
    if (!el || !crop || !size?.width || !size.height) return;
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
