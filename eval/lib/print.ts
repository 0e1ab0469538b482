import type { EvalSection } from './context';

/** One eval section as Markdown: its title, table and notes. */
export function printSection(section: EvalSection): void {
  console.log(`\n### ${section.title}\n`);
  const [head, ...body] = section.rows;
  console.log(`| ${head!.join(' | ')} |`);
  console.log(`|${head!.map(() => '---').join('|')}|`);
  for (const r of body) console.log(`| ${r.join(' | ')} |`);
  if (section.notes?.length) console.log(`\n${section.notes.map((n) => `- ${n}`).join('\n')}`);
}
