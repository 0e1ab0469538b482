/**
 * Fails when README.md, docs/*.md or a source comment names a repository path that does not
 * exist, so a move or rename cannot leave the map pointing at nothing. Run by `npm run lint`.
 *
 * What counts as a path: in markdown, a link target, a backticked token that starts with a
 * top-level folder of the repository, and such a token anywhere in a code block; in code, such a
 * token anywhere in a comment. Paths under
 * IGNORED are made at run time or by a build, so they may be absent from a clone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../src/config/repo-root';

const TOP_LEVEL = ['src', 'test', 'docs', 'scripts', 'eval', 'bench', 'deploy', 'console', 'temporal', '.ci'];
const ROOT_FILES = ['package.json', 'tsconfig.json', 'eslint.config.mjs', 'knip.json', 'README.md'];
/** Generated or runtime paths: a clone need not have them. */
const IGNORED = ['.lightbox/', 'dist/', 'node_modules/', '.tools/', 'test-output/', 'deploy/secrets/', 'test/histories/my-run.json'];
const SOURCE_DIRS = ['src', 'scripts', 'bench', 'eval', 'temporal', 'console/src', 'test'];
const SOURCE_EXT = /\.(ts|tsx|mts|mjs|js|py|sh)$/;

export interface Finding {
  file: string;
  line: number;
  path: string;
}

const pathToken = new RegExp(
  `(?<![\\w./-])((?:${TOP_LEVEL.map((d) => d.replace('.', '\\.')).join('|')})/[\\w@.+/*<>{}…$-]*|(?:${ROOT_FILES.join('|').replaceAll('.', '\\.')}))`,
  'g',
);

/** Cuts a token at its first placeholder (`<id>`, `*`, `…`, `${x}`, `{a,b}`) and trailing punctuation. */
function concretePart(token: string): string {
  const cut = token.search(/[*<>{}…$]/);
  let path = cut === -1 ? token : token.slice(0, token.lastIndexOf('/', cut) + 1);
  path = path.replace(/[.,:;)]+$/, '');
  return path;
}

function exists(root: string, path: string): boolean {
  if (IGNORED.some((ignored) => path === ignored.replace(/\/$/, '') || path.startsWith(ignored))) return true;
  return existsSync(join(root, path));
}

function check(root: string, file: string, line: number, raw: string, base: string, out: Finding[]): void {
  const path = concretePart(raw);
  if (path === '') return;
  const fromRoot = relative(root, resolve(base, path));
  if (!exists(root, fromRoot)) out.push({ file, line, path: raw });
}

/** Paths named in a markdown file: link targets (relative to the file) and backticked repo paths (relative to the root). */
function checkMarkdown(root: string, file: string, out: Finding[]): void {
  const text = readFileSync(join(root, file), 'utf8');
  let inFence = false;
  text.split('\n').forEach((lineText, index) => {
    const line = index + 1;
    if (/^\s*```/.test(lineText)) {
      inFence = !inFence;
      return;
    }
    // In a code block (the layout, a diagram, a command) every repo path counts.
    if (inFence) {
      for (const token of lineText.matchAll(pathToken)) if (!ROOT_FILES.includes(token[1]!)) check(root, file, line, token[1]!, root, out);
      return;
    }
    for (const match of lineText.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!.split('#')[0]!;
      if (target === '' || /^[a-z]+:/i.test(target)) continue;
      check(root, file, line, decodeURI(target), join(root, dirname(file)), out);
    }
    for (const match of lineText.matchAll(/`([^`]+)`/g)) {
      const code = match[1]!.trim();
      if (/\s/.test(code)) continue;
      for (const token of code.matchAll(pathToken)) {
        if (token.index !== 0) continue;
        check(root, file, line, token[1]!, root, out);
      }
    }
  });
}

/** The comments of a file with their offsets: TypeScript's scanner for code, so strings are never read as comments. */
function comments(file: string, text: string): Array<{ text: string; offset: number }> {
  if (file.endsWith('.py') || file.endsWith('.sh')) return [...text.matchAll(/(?<=^|\s)#[^\n]*/g)].map((m) => ({ text: m[0], offset: m.index }));
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, file.endsWith('x') ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard, text);
  const found: Array<{ text: string; offset: number }> = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) {
      found.push({ text: scanner.getTokenText(), offset: scanner.getTokenStart() });
    }
  }
  return found;
}

/** Paths named in the comments of a source file, relative to the repository root. */
function checkSource(root: string, file: string, out: Finding[]): void {
  const text = readFileSync(join(root, file), 'utf8');
  for (const comment of comments(file, text)) {
    const startLine = text.slice(0, comment.offset).split('\n').length;
    comment.text.split('\n').forEach((lineText, offset) => {
      for (const token of lineText.matchAll(pathToken)) {
        if (ROOT_FILES.includes(token[1]!)) continue;
        check(root, file, startLine + offset, token[1]!, root, out);
      }
    });
  }
}

function walk(root: string, dir: string, files: string[]): void {
  const full = join(root, dir);
  if (!existsSync(full)) return;
  for (const entry of readdirSync(full)) {
    if (entry === 'node_modules' || entry === 'fixtures' || entry === 'histories') continue;
    const path = join(dir, entry);
    if (statSync(join(root, path)).isDirectory()) walk(root, path, files);
    else if (SOURCE_EXT.test(entry)) files.push(path);
  }
}

export function checkRepository(root: string): Finding[] {
  const out: Finding[] = [];
  const markdown = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  for (const file of markdown) checkMarkdown(root, file, out);
  const sources: string[] = [];
  for (const dir of SOURCE_DIRS) walk(root, dir, sources);
  for (const file of sources) checkSource(root, file, out);
  return out;
}

if (require.main === module) {
  const root = repoRoot();
  const findings = checkRepository(root);
  for (const f of findings) console.error(`${f.file}:${f.line}: names ${f.path}, which does not exist`);
  if (findings.length > 0) {
    console.error(`check-paths: ${findings.length} stale path(s). Fix the reference, or add a generated/runtime path to IGNORED in scripts/check-paths.ts.`);
    process.exit(1);
  }
  console.log('check-paths: every path named in README.md, docs/*.md and source comments exists');
}
