// The core boundary (architecture.md rule 1) is enforced here, not by hope.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require'],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'https', 'stream'],
              message: 'src/core is pure: no Node I/O.',
            },
            {
              group: ['chalk', 'commander', 'cli-table3', '@kubernetes/*', 'yaml'],
              message: 'src/core imports only src/core/** and zod.',
            },
            {
              group: ['**/sources/**', '**/render/**', '**/cli/**'],
              message: 'src/core must not depend on adapters.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/render/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-globals': ['error', 'process'],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', '**/cli/**', '**/sources/**'],
              message: 'renderers are pure: (report, options) => string.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/sources/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/core/engine/**', '**/core/rules/**', '**/render/**', '**/cli/**'],
              message: 'sources produce model inputs only.',
            },
          ],
        },
      ],
    },
  },
);
