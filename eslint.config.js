// One linter for the whole repository. It also enforces the import direction of STYLE.md §1:
// core is the bottom layer, api sits on core, transports sit on api, the renderer sees only the
// contract's types.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const M = './src-main';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'dist/**',
      'coverage/**',
      'models/training/**',
      'test-artifacts/**',
      '**/*.svelte',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })],
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: `${M}/core`,
              from: [`${M}/api`, `${M}/electron`, `${M}/server`, `${M}/cli`, './src-renderer'],
              message: 'core is the bottom layer.',
            },
            {
              target: `${M}/api`,
              from: [`${M}/electron`, `${M}/server`, `${M}/cli`, './src-renderer'],
            },
            {
              target: [`${M}/electron`, `${M}/server`, `${M}/cli`],
              from: `${M}/core`,
              message: 'Transports go through api/service.',
            },
            { target: `${M}/electron`, from: [`${M}/server`, `${M}/cli`] },
            { target: `${M}/server`, from: [`${M}/electron`, `${M}/cli`] },
            { target: `${M}/cli`, from: [`${M}/electron`, `${M}/server`] },
            { target: './src-renderer', from: M, except: ['./api/contract.ts'] },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'electron',
            'svelte',
            'svelte/*',
            '@cornerstonejs/*',
            '!@cornerstonejs/codec-*',
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.ts'],
    ignores: ['src-renderer/viewer/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@cornerstonejs/*', 'electron', 'node:*'] }],
    },
  },
  {
    // The CommonJS launchers (bin/metakd.cjs starts without the ES module loader).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Wrappers around untyped JavaScript libraries are the one place `any` may appear.
    files: ['src-main/core/io/dicom/dcmjsAdapter.ts', 'src-main/core/export/seg/dcmjsSeg.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
