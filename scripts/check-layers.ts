// Fails when src/ holds an import cycle or a folder imports from a higher layer than its own.
// Uses the compiler's own module resolution, so specifiers resolve exactly as tsc sees them; type-only
// imports count too, except workflows → activities, which is how workflows name their activities.
// Run: npm run lint (or node --import tsx scripts/check-layers.ts [repo-root]).
import path from 'node:path';
import ts from 'typescript';

/** Lower numbers sit lower; a folder may import its own layer and any lower one. */
const LAYERS: Record<string, number> = {
  shared: 0,
  vectors: 1,
  config: 1,
  telemetry: 2,
  storage: 2,
  analysis: 2,
  models: 3,
  cache: 3,
  'temporal-client': 3,
  matching: 4,
  people: 4,
  search: 4,
  moderation: 4,
  llm: 4,
  activities: 5,
  workflows: 6,
  api: 7,
  workers: 8,
  dev: 9,
};

const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
const config = ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, root);
const srcDir = path.join(root, 'src') + path.sep;
const files = config.fileNames.map((f) => path.resolve(f)).filter((f) => f.startsWith(srcDir));
const folderOf = (file: string) => path.relative(srcDir, file).split(path.sep)[0]!;

const problems: string[] = [];
const edges = new Map<string, string[]>();
for (const file of files) {
  const targets: string[] = [];
  for (const ref of ts.preProcessFile(ts.sys.readFile(file) ?? '', true, true).importedFiles) {
    const resolved = ts.resolveModuleName(ref.fileName, file, config.options, ts.sys).resolvedModule;
    const target = resolved && !resolved.isExternalLibraryImport ? path.resolve(resolved.resolvedFileName) : undefined;
    if (!target?.startsWith(srcDir)) continue;
    targets.push(target);
    const [from, to] = [folderOf(file), folderOf(target)];
    if (from === to || (from === 'workflows' && to === 'activities')) continue;
    const [rankFrom, rankTo] = [LAYERS[from], LAYERS[to]];
    if (rankFrom === undefined || rankTo === undefined) problems.push(`no layer for src/${rankFrom === undefined ? from : to}/: add it to LAYERS`);
    else if (rankTo > rankFrom) problems.push(`upward import: ${path.relative(root, file)} → ${path.relative(root, target)}`);
  }
  edges.set(file, targets);
}

// Tarjan's strongly connected components: every component with more than one file is a cycle.
let counter = 0;
const index = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
let cycles = 0;
function visit(node: string): void {
  index.set(node, counter);
  low.set(node, counter++);
  stack.push(node);
  onStack.add(node);
  for (const next of edges.get(node) ?? []) {
    if (!index.has(next)) {
      visit(next);
      low.set(node, Math.min(low.get(node)!, low.get(next)!));
    } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
  }
  if (low.get(node) !== index.get(node)) return;
  const component: string[] = [];
  let member: string;
  do {
    member = stack.pop()!;
    onStack.delete(member);
    component.push(path.relative(root, member));
  } while (member !== node);
  if (component.length > 1) {
    cycles++;
    problems.push(`import cycle: ${component.sort().join(' ↔ ')}`);
  }
}
for (const node of edges.keys()) if (!index.has(node)) visit(node);

for (const problem of [...new Set(problems)]) console.log(problem);
console.log(`${files.length} files: ${cycles} import cycle(s), ${problems.length - cycles} layer problem(s)`);
if (problems.length > 0) process.exitCode = 1;
