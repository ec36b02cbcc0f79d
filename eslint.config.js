// Lint rules that keep the layer map of docs/architecture.md true:
// src-shared imports nothing outside itself, src-renderer sees only src-shared,
// src-main/core never sees Electron. Raw ipcMain/ipcRenderer only in the typed wrappers.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'net', 'tls', 'http', 'https', 'os', 'path', 'crypto', 'child_process', 'events', 'stream', 'url', 'util', 'dgram', 'dns', 'zlib', 'worker_threads'];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    // Tool configs and vitest reporters must export default.
    files: ['*.config.{js,ts}', 'src-renderer/vite.config.ts', 'tests/support/summary-reporter.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src-shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/src-main/**', '**/src-renderer/**', '../src-main*', '../src-renderer*'], message: 'src-shared imports nothing from the other layers.' },
          { group: [...nodeBuiltins, 'electron', 'react', 'react-dom'], message: 'src-shared is pure: no Node, DOM or Electron.' },
        ],
      }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    ignores: ['src-renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/src-main/**', '../src-main*', '../../src-main*'], message: 'The renderer talks to main only through window.sidecall and src-shared.' },
          { group: [...nodeBuiltins, 'electron'], message: 'The renderer has no Node or Electron access.' },
        ],
      }],
    },
  },
  {
    files: ['src-main/**/*.ts', 'scripts/**/*.mjs', 'tests/**/*.ts', '*.config.{js,ts}', 'src-renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src-main/core/**/*.ts', 'src-main/adapters/**/*.ts', 'src-main/hosts/web/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*', 'electron-store'], message: 'Only src-main/hosts/electron may import Electron.' },
          { group: ['**/src-renderer/**', '../../src-renderer*'], message: 'Main never imports renderer code.' },
        ],
      }],
    },
  },
  {
    files: ['src-main/hosts/electron/**/*.ts'],
    ignores: ['src-main/hosts/electron/ipc-main.ts', 'src-main/hosts/electron/preload.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
        { selector: "MemberExpression[object.name='ipcMain']", message: 'Use the typed handlers in ipc-main.ts.' },
      ],
    },
  },
);
