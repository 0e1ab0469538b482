import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { checkRepository } from '../../scripts/check-paths';

const root = mkdtempSync(join(tmpdir(), 'check-paths-'));
after(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

test('names every stale path in the README, the docs and source comments, and nothing else', () => {
  write('src/present.ts', 'export const x = 1;\n');
  write('scripts/models/recipes/a.ts', '');
  write('docs/guide.md', '# Guide\n\nSee [the map](../README.md) and [gone](gone.md#part), `src/present.ts`.\n');
  write(
    'README.md',
    [
      '# Map',
      '[guide](docs/guide.md), [site](https://example.com/x), [anchor](#map)',
      '`src/present.ts`, `src/renamed.ts`, `scripts/models/recipes/<id>.ts`, `.lightbox/models`',
      '`npm run eval -- src/not-a-path-in-a-command.ts`',
      '```',
      'src/in-a-fence.ts  src/present.ts  .lightbox/logs/',
      '```',
      '',
    ].join('\n'),
  );
  write(
    'src/code.ts',
    [
      '/**',
      ' * Calibrated by eval/similar.eval.ts; helpers in src/present.ts and scripts/models/recipes/*.ts.',
      ' */',
      "const url = 'http://host/src/not-a-comment.ts';",
      '// see deploy/gpu/old.sh.',
      '',
    ].join('\n'),
  );

  const findings = checkRepository(root).map((f) => `${f.file}:${f.line} ${f.path}`);
  assert.deepEqual(
    findings.sort(),
    [
      'README.md:3 src/renamed.ts',
      'README.md:6 src/in-a-fence.ts',
      'docs/guide.md:3 gone.md',
      'src/code.ts:2 eval/similar.eval.ts',
      'src/code.ts:5 deploy/gpu/old.sh.',
    ].sort(),
  );
});
