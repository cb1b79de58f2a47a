import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeOnly = ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'net', 'crypto', 'worker_threads'];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'test-output/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // Fast first line of the dependency rules; test/architecture/boundaries.test.ts checks them all.
  {
    files: ['src-engine/contract/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...nodeOnly, 'electron', 'ws', 'better-sqlite3', 'keytar', 'react', '../*'] }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}', 'src-main/preload/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...nodeOnly, 'keytar', 'better-sqlite3'] }] },
  },
  {
    files: ['src-engine/**/*.ts'],
    ignores: ['src-engine/contract/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['electron', 'react', 'react-dom', '**/src-main/**', '**/src-renderer/**'] }] },
  },
);
