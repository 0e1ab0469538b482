/**
 * npm run bench [-- name…]: runs every bench/*.bench.ts (or the named ones), each in its own
 * process so one benchmark's memory and threads never colour another's, and lets each print
 * its own table. Speed targets live here, never in tests.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const dir = path.join(__dirname, '..', 'bench');
const wanted = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(' ') || '(any)'} in bench/`);
  process.exit(2);
}
/**
 * Each run's printed tables are kept in bench/results/<name>.txt (stdout only: the workers' logs go
 * to stderr), so the docs link to what a run printed rather than copy it; a failed run keeps the
 * last good file.
 */
const resultsDir = path.join(dir, 'results');

/** Runs one bench, its stdout shown as it comes and kept; resolves with its exit status and output. */
function run(file: string): Promise<{ status: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(dir, file)], { stdio: ['inherit', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      process.stdout.write(d);
      out += d.toString('utf8');
    });
    child.once('close', (status, signal) => resolve({ status, signal, out }));
  });
}

async function main() {
  let failed = 0;
  for (const f of files) {
    console.log(`\n=== ${f} ===`);
    const r = await run(f);
    if (r.status !== 0) {
      failed++;
      console.error(`${f} exited with ${r.status ?? r.signal}`);
    } else if (process.env.BENCH_GROWTH_REPLOT !== '1') {
      fs.mkdirSync(resultsDir, { recursive: true });
      // A JSON line is a log of an in-process worker, not a figure.
      const printed = r.out
        .split('\n')
        .filter((l) => !l.startsWith('{"level"'))
        .join('\n');
      fs.writeFileSync(path.join(resultsDir, f.replace(/\.bench\.ts$/, '.txt')), printed);
    }
  }
  return failed;
}

void main().then((failed) => process.exit(failed === 0 ? 0 : 1));
