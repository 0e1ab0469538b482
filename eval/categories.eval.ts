/** Category accuracy on labelled photos: MobileNetV2 classes → album categories, faces → people. */
import { LABELLED } from '../src/dev/registry-photos';
import { pct, type EvalContext, type EvalSection } from './lib/context';

export async function evalCategories(ctx: EvalContext): Promise<EvalSection> {
  const perCat = new Map<string, { ok: number; n: number }>();
  const misses: string[] = [];
  let ok = 0;
  for (const l of LABELLED) {
    const image = await ctx.read(l.root, l.file);
    const [{ embeddings }, faces] = await Promise.all([ctx.classifier.embed([image]), ctx.detector.detect(image)]);
    const got = ctx.classifier.categorize(embeddings[0]!, faces.faces.length > 0);
    const s = perCat.get(l.category) ?? { ok: 0, n: 0 };
    s.n++;
    if (got.id === l.category) {
      s.ok++;
      ok++;
    } else misses.push(`${l.file}: expected ${l.category}, got ${got.id} (${got.topClass} ${got.topClassScore.toFixed(2)})`);
    perCat.set(l.category, s);
  }
  return {
    title: 'Categories (MobileNetV2 + category map; a detected face → people)',
    rows: [['category', 'correct'], ...[...perCat].map(([c, s]) => [c, pct(s.ok, s.n)]), ['**all**', pct(ok, LABELLED.length)]],
    notes: misses.map((m) => `miss: ${m}`),
  };
}
