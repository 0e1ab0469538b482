/**
 * Faces: detection hits on face photos (each original and five variants: mirrored, half size,
 * darker, rotated 8°, small in a 3× canvas), false positives on face-free photos, and
 * same-person versus different-person separation of the dlib descriptor over an eps sweep
 * (the people clustering's eps; PEOPLE_EPS in src/analysis/people.ts).
 */
import sharp from 'sharp';
import { FACE_FREE_EXTRA, LABELLED } from '../src/dev/registry-photos';
import { pct, type EvalContext, type EvalSection } from './lib/context';

/** Who is in each labelled face photo: the same name twice is the same person. */
export const IDENTITY: Record<string, string> = {
  'astronaut.png': 'astronaut',
  'camera.png': 'cameraman',
  'messi5.jpg': 'footballer',
  'basketball1.png': 'player',
  'basketball2.png': 'player',
};

export async function variants(image: Buffer): Promise<[string, Buffer][]> {
  const meta = await sharp(image).metadata();
  const w = meta.width!;
  const h = meta.height!;
  return [
    ['original', image],
    ['mirrored', await sharp(image).flop().png().toBuffer()],
    [
      'half size',
      await sharp(image)
        .resize(Math.round(w / 2))
        .png()
        .toBuffer(),
    ],
    ['darker', await sharp(image).modulate({ brightness: 0.6 }).png().toBuffer()],
    ['rotated 8°', await sharp(image).rotate(8, { background: '#808080' }).png().toBuffer()],
    [
      'small in 3× canvas',
      await sharp({ create: { width: w * 3, height: h * 3, channels: 3, background: '#506070' } })
        .composite([{ input: await sharp(image).removeAlpha().png().toBuffer(), left: w, top: h }])
        .png()
        .toBuffer(),
    ],
  ];
}

export async function evalFaces(ctx: EvalContext): Promise<{ detection: EvalSection; people: EvalSection }> {
  let hits = 0;
  let exactlyOne = 0;
  let total = 0;
  const missed: string[] = [];
  const descriptors: { identity: string; label: string; d: Float32Array }[] = [];
  for (const l of LABELLED.filter((x) => x.faces)) {
    for (const [name, img] of await variants(await ctx.read(l.root, l.file))) {
      total++;
      const faces = await ctx.faces(img);
      if (faces.length > 0) {
        hits++;
        descriptors.push({ identity: IDENTITY[l.file]!, label: `${l.file} ${name}`, d: faces[0]!.descriptor });
      } else missed.push(`${l.file} ${name}`);
      if (faces.length === 1) exactlyOne++;
    }
  }
  const faceFree = [...LABELLED.filter((x) => !x.faces), ...FACE_FREE_EXTRA];
  let fp = 0;
  const fps: string[] = [];
  for (const l of faceFree) {
    const faces = await ctx.faces(await ctx.read(l.root, l.file));
    if (faces.length > 0) {
      fp++;
      fps.push(`${l.file} (${faces.map((f) => f.score.toFixed(2)).join(', ')})`);
    }
  }

  const same: number[] = [];
  const diff: number[] = [];
  for (let i = 0; i < descriptors.length; i++) {
    for (let j = i + 1; j < descriptors.length; j++) {
      let s = 0;
      for (let k = 0; k < 128; k++) s += (descriptors[i]!.d[k]! - descriptors[j]!.d[k]!) ** 2;
      (descriptors[i]!.identity === descriptors[j]!.identity ? same : diff).push(Math.sqrt(s));
    }
  }
  const rows = [['eps (Euclidean)', 'same-person pairs within eps', 'different-person pairs within eps']];
  for (const eps of [0.4, 0.45, 0.5, 0.55, 0.6]) {
    rows.push([
      eps === 0.5 ? '**0.5 (default)**' : String(eps),
      pct(same.filter((d) => d <= eps).length, same.length),
      pct(diff.filter((d) => d <= eps).length, diff.length),
    ]);
  }
  const stat = (v: number[]) => (v.length ? `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}` : 'n/a');
  return {
    detection: {
      title: 'Face detection (BlazeFace back, score ≥ 0.65 + geometry checks)',
      rows: [
        ['measure', 'result'],
        ['face photos with a face found (5 photos × 6 variants)', pct(hits, total)],
        ['… with exactly one face', pct(exactlyOne, total)],
        ['face-free photos with a false face', pct(fp, faceFree.length)],
      ],
      notes: [...missed.map((m) => `missed: ${m}`), ...fps.map((f) => `false positive: ${f}`)],
    },
    people: {
      title: 'Same vs different person (dlib descriptor, eye-aligned 150×150)',
      rows,
      notes: [`same-person distances ${stat(same)}, different-person ${stat(diff)} (${descriptors.length} faces, 4 people)`],
    },
  };
}
