/** The configuration's documentation comes from the schemas: every variable described, the doc current. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { renderConfigurationDoc } from '../../scripts/config-docs';
import { CONFIG_SECTIONS, envSchema } from '../../src/config/schema';

test('every variable sits in exactly one section and says what it does', () => {
  const seen = new Map<string, string>();
  for (const [section, { schema }] of Object.entries(CONFIG_SECTIONS)) {
    for (const [name, field] of Object.entries(schema.shape)) {
      assert.ok(!seen.has(name), `${name} is in both ${seen.get(name)} and ${section}`);
      seen.set(name, section);
      assert.ok((field as { description?: string }).description?.trim(), `${name} (${section}) has no .describe()`);
    }
  }
  assert.deepEqual([...seen.keys()].sort(), Object.keys(envSchema.shape).sort());
});

test('docs/configuration.md is what npm run config:docs generates from the schemas', async () => {
  const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
  assert.equal(committed, await renderConfigurationDoc(), 'stale: run npm run config:docs');
  for (const name of Object.keys(envSchema.shape)) assert.ok(committed.includes(`\`${name}\``), `${name} missing from the doc`);
});
