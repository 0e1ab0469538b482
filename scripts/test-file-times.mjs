/**
 * A node:test reporter, used beside `spec` by `npm test`: after the run it prints every test
 * file's wall time (the runner's own file-level duration, imports and setup included), slowest
 * first, so the files that make CI slow are visible in every log.
 */
import path from 'node:path';

// JavaScript, not TypeScript: node loads reporters before `--import tsx` can compile them.

/**
 * @param {AsyncIterable<{ type: string, data: { name?: string, file?: string, details?: { duration_ms?: number, passed?: boolean } } }>} source
 * @returns {AsyncGenerator<string>}
 */
export default async function* fileTimes(source) {
  /** @type {Array<{ file: string, ms: number, ok: boolean }>} */
  const files = [];
  for await (const { type, data } of source) {
    // The runner reports each file as a top-level test named by the file's path.
    if (type === 'test:complete' && data.file && data.name === data.file) {
      files.push({ file: path.relative(process.cwd(), data.file), ms: data.details?.duration_ms ?? 0, ok: data.details?.passed !== false });
    }
  }
  if (files.length === 0) return;
  files.sort((a, b) => b.ms - a.ms);
  const total = files.reduce((sum, f) => sum + f.ms, 0);
  yield `\ntest files by wall time (${files.length} files, ${(total / 1000).toFixed(1)} s in all)\n`;
  for (const f of files) {
    yield `${(f.ms / 1000).toFixed(1).padStart(7)} s  ${((100 * f.ms) / total).toFixed(0).padStart(3)}%  ${f.file}${f.ok ? '' : '  FAILED'}\n`;
  }
}
