/** The header every benchmark table carries: machine, load average, date and commit. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

export function runInfo(): string {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim()) commit += '+dirty';
  } catch {
    // not a git checkout (a built image): the commit stays unknown
  }
  const cpus = os.cpus();
  return [
    `machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
    `load average (1/5/15 min): ${loadAverage()}`,
    `date: ${new Date().toISOString()}`,
    `commit: ${commit}`,
  ].join('\n');
}
