/**
 * `npm run setup` step: the test twins' files over 1 MiB are committed gzipped (<name>.gz, written
 * by scripts/models/test_twins.py); this writes each raw file beside its .gz and checks it
 * against the fixtures' models.lock.json, as the model store will. An up-to-date file is left as it is.
 * Run: node --import tsx scripts/models/unpack-test-twins.ts [models dir]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readLock, sha256File } from '../../src/models/store';

const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', 'test', 'fixtures', 'models'));

async function main() {
  const lock = await readLock(dir);
  let unpacked = 0;
  for (const entry of Object.values(lock.models)) {
    for (const [name, locked] of Object.entries(entry.files)) {
      const file = path.join(dir, entry.id, entry.version, name);
      const packed = await fs.readFile(`${file}.gz`).catch(() => undefined);
      if (!packed) continue;
      if ((await fs.stat(file).catch(() => undefined))?.size === locked.sizeBytes && (await sha256File(file)) === locked.sha256) continue;
      await fs.writeFile(`${file}.tmp`, gunzipSync(packed));
      const sha = await sha256File(`${file}.tmp`);
      if (sha !== locked.sha256) {
        await fs.rm(`${file}.tmp`);
        throw new Error(`${file}.gz unpacks to sha256 ${sha}, not the ${locked.sha256} in ${path.join(dir, 'models.lock.json')}`);
      }
      await fs.rename(`${file}.tmp`, file);
      unpacked++;
    }
  }
  console.log(`[models:unpack-test] ${unpacked} file(s) unpacked in ${path.relative(process.cwd(), dir) || '.'}`);
}

main().catch((err: Error) => {
  console.error(`[models:unpack-test] ${err.message}`);
  process.exit(1);
});
