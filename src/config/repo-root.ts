import fs from 'node:fs';
import path from 'node:path';

/** The folder holding Lightbox's package.json, from source (tsx) or from dist/ alike. */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'lightbox') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find Lightbox's package.json above ${from}`);
    dir = parent;
  }
}
