/** Summaries of V8 .cpuprofile files (node --cpu-prof): where the samples' self time went. */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileRow {
  fn: string;
  selfMs: number;
  share: number;
}

/** Self time per function over every profile in `dir` whose name matches `filter`, largest first. */
export function topSelfTime(dir: string, top = 15, filter: (file: string) => boolean = () => true): { rows: ProfileRow[]; totalMs: number; files: number } {
  const self = new Map<string, number>();
  let totalMs = 0;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && filter(f));
  for (const f of files) {
    const p = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const samples = p.samples ?? [];
    const deltas = p.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const n = byId.get(samples[i]!);
      if (!n) continue;
      const ms = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
      const { functionName, url, lineNumber } = n.callFrame;
      const where = url ? `${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${lineNumber + 1}` : '';
      const key = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
      self.set(key, (self.get(key) ?? 0) + ms);
      totalMs += ms;
    }
  }
  const rows = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, selfMs]) => ({ fn, selfMs, share: totalMs > 0 ? selfMs / totalMs : 0 }));
  return { rows, totalMs, files: files.length };
}
