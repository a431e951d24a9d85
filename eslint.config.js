// Lint config: typescript-eslint's recommended rules; `any` is banned in our own code
// (public signatures must be typed), unused variables are errors unless prefixed with `_`.
import { readFileSync } from 'node:fs';
import tseslint from 'typescript-eslint';

// Test support lives in `testing/` folders next to what it tests (contract suites that each
// implementation's test file runs, fixtures, harnesses) or in `test/`. Benchmarks and scripts are
// not product code either.
const NOT_PRODUCT = ['**/*.test.ts', '**/testing/**', 'test/**', 'bench/**', 'scripts/**'];

// A devDependency is absent from a production install (`npm ci --omit=dev`, the Dockerfile), so
// product code importing one fails at run time, not at build time.
const { devDependencies } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export default tseslint.config(
  // .cache holds downloaded tools and Go modules (scripts/services), test-artifacts what tests leave
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'coverage/**',
      '.scratch*/**',
      '.cache/**',
      'test-artifacts/**',
      '.release-health/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Product code never loads test code, node:test or a devDependency (`serve` must not pay for,
    // or break on, what only tests need).
    files: ['**/*.ts'],
    ignores: NOT_PRODUCT,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:test', message: 'node:test is for tests; put test support in a testing/ folder.' },
            { name: 'test', message: 'node:test is for tests; put test support in a testing/ folder.' },
          ],
          patterns: [
            {
              regex: '(^|/)(test|testing)/|\\.test\\.ts$',
              message: 'product code must not import test support (test/, testing/, *.test.ts).',
            },
            {
              regex: `^(${Object.keys(devDependencies).map(escapeRegex).join('|')})(/|$)`,
              message: 'a devDependency is not installed in production; move this to a dependency or to test support.',
            },
          ],
        },
      ],
    },
  },
);
