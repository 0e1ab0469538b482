/**
 * Which photo of each copy group the album keeps, and why, in words a person reads in the console.
 * The kept photo is the one the highlights chose to represent its group when they did (so the
 * console and the highlights never disagree); otherwise the group's best quality score, ties to
 * the lowest photoId.
 */
import { compareIds } from './duplicates';

export interface KeptPhotoInput {
  /** Copy groups, each sorted by photoId. */
  groups: readonly (readonly string[])[];
  highlightScores: ReadonlyArray<{ photoId: string; represents: readonly string[] }>;
  quality: Readonly<Record<string, { score: number; blurry: boolean } | undefined>>;
  photos: Readonly<Record<string, { name: string; width: number; height: number } | undefined>>;
}

export interface KeptPhoto {
  photoIds: string[];
  kept: string;
  reason: string;
}

export function keptPhotos({ groups, highlightScores, quality, photos }: KeptPhotoInput): KeptPhoto[] {
  const represented = new Map<string, string>();
  for (const h of highlightScores) for (const id of [h.photoId, ...h.represents]) represented.set(id, h.photoId);
  const score = (id: string) => quality[id]?.score ?? 0;
  const pixels = (id: string) => (photos[id]?.width ?? 0) * (photos[id]?.height ?? 0);
  const nameOf = (id: string) => photos[id]?.name ?? id;

  return groups.map((group) => {
    const ids = [...group];
    const highlight = ids.map((id) => represented.get(id)).find((id) => id !== undefined && ids.includes(id));
    const bestScored = [...ids].sort((a, b) => score(b) - score(a) || compareIds(a, b))[0]!;
    const kept = highlight ?? bestScored;
    const others = ids.filter((id) => id !== kept);
    const scores = `${score(kept).toFixed(2)} vs ${others.map((o) => score(o).toFixed(2)).join(', ')}`;
    // The highlights rank by quality relative to the album, so their pick can trail on the absolute score.
    const why = [kept === bestScored ? `best quality score (${scores})` : `the highlights' pick of its copies (quality score ${scores})`];
    if (highlight) why.push('in the highlights');
    if (others.length > 0 && others.every((o) => pixels(kept) > pixels(o))) why.push(`largest (${photos[kept]?.width}×${photos[kept]?.height})`);
    const blurry = others.filter((o) => quality[o]?.blurry).map(nameOf);
    if (blurry.length > 0) why.push(`${blurry.join(', ')} blurry`);
    return { photoIds: ids, kept, reason: why.join('; ') };
  });
}
