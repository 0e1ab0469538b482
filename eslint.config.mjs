// @ts-check
/**
 * Lint gate (`npm run lint`, part of `npm test`). Type-aware typescript-eslint, modelled on
 * temporalio/samples-typescript: promises must be awaited or handled, deprecated APIs are errors,
 * and workflow code may not import anything that breaks determinism or the workflow sandbox.
 * Formatting is prettier's job (.prettierrc), so no stylistic rules here.
 */
import { builtinModules } from 'node:module';
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no clocks, randomness
// or I/O from libraries. Type-only imports are erased, so they stay allowed.
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_')).flatMap((m) => [m, `node:${m}`]);
const workflowBans = {
  paths: [
    ...nodeBuiltins.map((name) => ({ name, allowTypeImports: true, message: 'Workflow code runs in the Temporal sandbox: no Node built-ins.' })),
    ...['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'].map((name) => ({
      name,
      allowTypeImports: true,
      message: 'Workflows import only @temporalio/workflow and @temporalio/common at run time.',
    })),
    ...['uuid', 'nanoid', 'pino', 'ioredis', 'express', 'sharp', 'onnxruntime-node', 'chromadb', 'openai', '@google/genai'].map((name) => ({
      name,
      allowTypeImports: true,
      message: 'Non-deterministic or I/O module: call it from an activity.',
    })),
  ],
  patterns: [
    {
      group: ['node:*', '**/activities/**', '**/api/**', '**/workers/**', '**/telemetry/**', '**/models/**', '**/cache/**', '**/config', '**/config/**'],
      allowTypeImports: true,
      message: 'Workflows reach activities through proxyActivities; import only their types.',
    },
  ],
};

// Each src/ folder imports only from lower layers (the full order and a cycle check are in
// scripts/check-layers.ts, run by `npm run lint`); these rules say why at the import line itself.
const srcFolders = [
  'activities',
  'analysis',
  'api',
  'cache',
  'config',
  'dev',
  'matching',
  'models',
  'moderation',
  'storage',
  'telemetry',
  'temporal-client',
  'vectors',
  'workers',
  'workflows',
];
// Relative specifiers that leave the folder for another src/ folder (from a file or one subfolder down).
const folderPatterns = (folders) => folders.flatMap((folder) => [`../${folder}`, `../${folder}/**`, `../../${folder}`, `../../${folder}/**`]);
const ioModules = ['pino', 'ioredis', 'express', 'onnxruntime-node', 'chromadb', '@google/genai', '@google-cloud/storage', '@temporalio/*'];
const analysisBans = {
  patterns: [
    {
      group: folderPatterns(srcFolders.filter((f) => f !== 'analysis' && f !== 'vectors')),
      message: 'src/analysis is pure photo maths: it imports only src/vectors and src/shared; callers pass it data.',
    },
    { group: ['node:fs', 'node:fs/*', 'node:child_process', 'node:net', 'node:http', 'node:https', ...ioModules], message: 'src/analysis does no I/O.' },
  ],
};
const sharedBans = {
  paths: nodeBuiltins.map((name) => ({ name, allowTypeImports: true, message: 'src/shared holds contract types and constants, safe in workflow code.' })),
  patterns: [
    {
      group: ['../*', '../**'],
      allowTypeImports: false,
      message: 'src/shared is the bottom layer: it owns the contract types and imports from no other src/ folder.',
    },
  ],
};
const configBans = {
  patterns: [
    {
      group: folderPatterns(srcFolders.filter((f) => f !== 'config')),
      message: 'src/config reads the environment; it does not depend on models or any higher layer (model roles live in src/models/roles.ts).',
    },
  ],
};

export default defineConfig(
  {
    ignores: ['dist/**', 'node_modules/**', '.tools/**', 'test-output/**', 'coverage/**', '.lightbox/**', 'console/dist/**', '**/*.js', '**/*.cjs'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.mjs', 'scripts/test-file-times.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-deprecated': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Non-null assertions are how this code base states "checked above" with noUncheckedIndexedAccess on.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Tests and benchmarks read parsed JSON and YAML (API bodies, manifests) and assert on its shape.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', workflowBans] },
  },
  { files: ['src/analysis/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': ['error', analysisBans] } },
  { files: ['src/shared/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': ['error', sharedBans] } },
  { files: ['src/config/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': ['error', configBans] } },
  {
    // One home for the blob layout: a key is named by a function in src/storage/keys.ts, never spelled where it is used.
    files: ['src/**/*.ts'],
    ignores: ['src/storage/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'CallExpression[callee.name=/^(tenantKey|tenantPrefix)$/]', message: 'Name this blob key with a function in src/storage/keys.ts.' },
        { selector: 'TemplateElement[value.raw=/^(tenants|system)\\//]', message: 'Blob keys are built in src/storage/keys.ts.' },
        { selector: 'Literal[value=/^(tenants|system)\\//]', message: 'Blob keys are built in src/storage/keys.ts.' },
      ],
    },
  },
);
