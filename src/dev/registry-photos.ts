/**
 * Real photographs from registries, for the eval, the real-model tests and the demo: scikit-image's sample data (a PyPI wheel), the
 * Debian packages opencv-doc (OpenCV's sample images) and mate-backgrounds (landscape photos).
 * Fetched once into the model cache (LIGHTBOX_MODEL_CACHE_DIR/eval) with `pip download` and
 * `apt-get download` + `dpkg -x` (no root needed), each checked against its sha256.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sha256File } from '../models/store';

const run = promisify(execFile);

interface Source {
  file: string;
  sha256: string;
  fetch: (dir: string) => Promise<unknown>;
  /** Unpacks into `dir/<name>`. */
  unpack: (archive: string, into: string) => Promise<unknown>;
  name: string;
}

const SOURCES: Source[] = [
  {
    name: 'skimage',
    file: 'scikit_image-0.25.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    sha256: '24cc986e1f4187a12aa319f777b36008764e856e5013666a4a83f8df083c2641',
    // --platform/--python-version pin this exact wheel whatever Python the host has.
    fetch: (dir) =>
      run('python3', [
        '-m',
        'pip',
        'download',
        '-q',
        '--no-deps',
        '--only-binary=:all:',
        '--platform',
        'manylinux2014_x86_64',
        '--python-version',
        '3.11',
        '-d',
        dir,
        'scikit-image==0.25.2',
      ]),
    unpack: (archive, into) =>
      run('python3', [
        '-c',
        `import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if n.startswith('skimage/data/')]`,
        archive,
        into,
      ]),
  },
  {
    name: 'opencv',
    file: 'opencv-doc_4.6.0+dfsg-12_all.deb',
    sha256: '4b12681df35878207ac7097dc66184b2ae552e4bf4ddd2af04a0f03ed0b8682a',
    fetch: (dir) => run('apt-get', ['download', 'opencv-doc=4.6.0+dfsg-12'], { cwd: dir }),
    unpack: (archive, into) => run('dpkg', ['-x', archive, into]),
  },
  {
    name: 'mate',
    file: 'mate-backgrounds_1.26.0-1_all.deb',
    sha256: '7bf4c2209f34b4f61ba6d24c8b58c28b361e82e4b943aae6d42c030169af9e04',
    fetch: (dir) => run('apt-get', ['download', 'mate-backgrounds=1.26.0-1'], { cwd: dir }),
    unpack: (archive, into) => run('dpkg', ['-x', archive, into]),
  },
];

export interface PhotoRoots {
  skimage: string;
  opencv: string;
  mate: string;
}

/** Fetches and unpacks the sources (all, or `only` those) unless the cache has them; their roots. */
export async function ensureEvalPhotos(
  cacheDir: string,
  log: (s: string) => void = () => undefined,
  only?: readonly (keyof PhotoRoots)[],
): Promise<PhotoRoots> {
  const dir = path.join(cacheDir, 'eval');
  await fs.mkdir(dir, { recursive: true });
  for (const s of SOURCES.filter((x) => !only || only.includes(x.name as keyof PhotoRoots))) {
    const into = path.join(dir, s.name);
    if (
      await fs.stat(path.join(into, '.complete')).then(
        () => true,
        () => false,
      )
    )
      continue;
    const archive = path.join(dir, s.file);
    if ((await sha256File(archive).catch(() => '')) !== s.sha256) {
      log(`fetching ${s.file}`);
      await s.fetch(dir);
      const got = await sha256File(archive).catch(() => 'missing');
      if (got !== s.sha256) throw new Error(`${s.file}: sha256 ${got}, expected ${s.sha256}`);
    }
    await fs.rm(into, { recursive: true, force: true });
    await fs.mkdir(into, { recursive: true });
    await s.unpack(archive, into);
    await fs.writeFile(path.join(into, '.complete'), '');
  }
  return {
    skimage: path.join(dir, 'skimage', 'skimage', 'data'),
    opencv: path.join(dir, 'opencv', 'usr', 'share', 'doc', 'opencv-doc', 'examples', 'data'),
    mate: path.join(dir, 'mate', 'usr', 'share', 'backgrounds', 'mate'),
  };
}

/** Labelled photos: file (relative to its root) → expected album category. */
export const LABELLED: ReadonlyArray<{ root: keyof PhotoRoots; file: string; category: string; faces?: boolean }> = [
  { root: 'skimage', file: 'astronaut.png', category: 'people', faces: true },
  { root: 'skimage', file: 'camera.png', category: 'people', faces: true },
  { root: 'opencv', file: 'messi5.jpg', category: 'people', faces: true },
  { root: 'opencv', file: 'basketball1.png', category: 'people', faces: true },
  { root: 'opencv', file: 'basketball2.png', category: 'people', faces: true },
  { root: 'skimage', file: 'chelsea.png', category: 'pets-animals' },
  { root: 'opencv', file: 'chicky_512.png', category: 'pets-animals' },
  { root: 'opencv', file: 'baboon.jpg', category: 'pets-animals' },
  { root: 'opencv', file: 'squirrel_cls.jpg', category: 'pets-animals' },
  { root: 'opencv', file: 'butterfly.jpg', category: 'pets-animals' },
  { root: 'skimage', file: 'coffee.png', category: 'food' },
  { root: 'opencv', file: 'fruits.jpg', category: 'food' },
  { root: 'opencv', file: 'apple.jpg', category: 'food' },
  { root: 'opencv', file: 'orange.jpg', category: 'food' },
  { root: 'opencv', file: 'smarties.png', category: 'food' },
  { root: 'mate', file: 'nature/Aqua.jpg', category: 'nature' },
  { root: 'mate', file: 'nature/Blinds.jpg', category: 'nature' },
  { root: 'mate', file: 'nature/Dune.jpg', category: 'nature' },
  { root: 'mate', file: 'nature/FreshFlower.jpg', category: 'nature' },
  { root: 'mate', file: 'nature/Garden.jpg', category: 'nature' },
  { root: 'mate', file: 'nature/GreenMeadow.jpg', category: 'nature' },
  { root: 'mate', file: 'nature/RainDrops.jpg', category: 'nature' },
  { root: 'mate', file: 'nature/Storm.jpg', category: 'nature' },
  { root: 'mate', file: 'nature/TwoWings.jpg', category: 'nature' },
  { root: 'mate', file: 'nature/YellowFlower.jpg', category: 'nature' },
  { root: 'opencv', file: 'aloeL.jpg', category: 'nature' },
  { root: 'opencv', file: 'aero1.jpg', category: 'city-buildings' },
  { root: 'opencv', file: 'aero3.jpg', category: 'city-buildings' },
  { root: 'opencv', file: 'building.jpg', category: 'city-buildings' },
  { root: 'opencv', file: 'home.jpg', category: 'city-buildings' },
  { root: 'opencv', file: 'leuvenA.jpg', category: 'city-buildings' },
  { root: 'skimage', file: 'rocket.jpg', category: 'vehicles' },
  { root: 'skimage', file: 'motorcycle_left.png', category: 'vehicles' },
  { root: 'opencv', file: 'licenseplate_motion.jpg', category: 'vehicles' },
  { root: 'skimage', file: 'page.png', category: 'documents-screens' },
  { root: 'skimage', file: 'text.png', category: 'documents-screens' },
  { root: 'opencv', file: 'notes.png', category: 'documents-screens' },
  { root: 'opencv', file: 'text_defocus.jpg', category: 'documents-screens' },
  { root: 'opencv', file: 'text_motion.jpg', category: 'documents-screens' },
  { root: 'opencv', file: 'sudoku.png', category: 'documents-screens' },
  { root: 'opencv', file: 'imageTextN.png', category: 'documents-screens' },
];

/** Photos with no face in them beyond the labelled ones (objects, textures, art, backgrounds). */
export const FACE_FREE_EXTRA: ReadonlyArray<{ root: keyof PhotoRoots; file: string }> = [
  { root: 'opencv', file: 'stuff.jpg' },
  { root: 'opencv', file: 'rubberwhale1.png' },
  { root: 'opencv', file: 'cards.png' },
  { root: 'opencv', file: 'board.jpg' },
  { root: 'opencv', file: 'box_in_scene.png' },
  { root: 'opencv', file: 'graf1.png' },
  { root: 'opencv', file: 'HappyFish.jpg' },
  { root: 'opencv', file: 'starry_night.jpg' },
  { root: 'opencv', file: 'ela_original.jpg' },
  { root: 'mate', file: 'nature/Wood.jpg' },
  { root: 'mate', file: 'nature/LadyBird.jpg' },
  { root: 'mate', file: 'abstract/Elephants.jpg' },
  { root: 'mate', file: 'desktop/GreenTraditional.jpg' },
  { root: 'skimage', file: 'coins.png' },
  { root: 'skimage', file: 'hubble_deep_field.jpg' },
  { root: 'skimage', file: 'grass.png' },
];

/** Real pairs of one scene shot twice (bursts, stereo pairs, re-shot views): similar, not copies. */
export const SIMILAR_PAIRS: ReadonlyArray<[string, string]> = [
  ['opencv/basketball1.png', 'opencv/basketball2.png'],
  ['skimage/motorcycle_left.png', 'skimage/motorcycle_right.png'],
  ['opencv/aloeL.jpg', 'opencv/aloeR.jpg'],
  ['opencv/leuvenA.jpg', 'opencv/leuvenB.jpg'],
  ['opencv/graf1.png', 'opencv/graf3.png'],
  ['opencv/rubberwhale1.png', 'opencv/rubberwhale2.png'],
  ['opencv/left01.jpg', 'opencv/left02.jpg'],
  ['opencv/right01.jpg', 'opencv/right02.jpg'],
  ['opencv/Blender_Suzanne1.jpg', 'opencv/Blender_Suzanne2.jpg'],
];

/** Real photos for the demo album: two frames of one player, other people, a cat, a coffee, a landscape. */
export const DEMO_PHOTOS: ReadonlyArray<{ root: keyof PhotoRoots; file: string; name: string }> = [
  { root: 'opencv', file: 'basketball1.png', name: 'game-1.png' },
  { root: 'opencv', file: 'basketball2.png', name: 'game-2.png' },
  { root: 'skimage', file: 'astronaut.png', name: 'astronaut.png' },
  { root: 'opencv', file: 'messi5.jpg', name: 'match.jpg' },
  { root: 'skimage', file: 'chelsea.png', name: 'cat.png' },
  { root: 'skimage', file: 'coffee.png', name: 'coffee.png' },
  { root: 'mate', file: 'nature/Dune.jpg', name: 'dune.jpg' },
  { root: 'opencv', file: 'building.jpg', name: 'hotel.jpg' },
];

/** DEMO_PHOTOS read from the cache (fetched on first use), as upload files. */
export async function demoPhotoFiles(cacheDir: string): Promise<Array<{ name: string; contentType: string; data: Buffer }>> {
  const roots = await ensureEvalPhotos(cacheDir);
  return Promise.all(
    DEMO_PHOTOS.map(async (p) => ({
      name: p.name,
      contentType: p.name.endsWith('.png') ? 'image/png' : 'image/jpeg',
      data: await fs.readFile(path.join(roots[p.root], p.file)),
    })),
  );
}
