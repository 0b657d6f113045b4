// ESLint flat config for the browser code: the kiosk PWA (ES modules + a classic service
// worker) and the small page scripts under survey_app/static (classic scripts, IIFE + "use strict").
// Run with `npm ci && npx eslint kiosk survey_app/static` (.ci/run does so after the Python suites).
import js from '@eslint/js';
import globals from 'globals';

export default [
  {
    ignores: ['node_modules/**', '.venv/**', 'build/**', 'test-artifacts/**'],
  },
  js.configs.recommended,
  {
    files: ['kiosk/**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
  },
  {
    // Registered as a classic worker (navigator.serviceWorker.register without type: 'module').
    files: ['kiosk/sw.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.serviceworker },
    },
  },
  {
    files: ['survey_app/static/**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'script',
      globals: { ...globals.browser },
    },
  },
  {
    files: ['**/*.js'],
    rules: {
      'no-unused-vars': ['error', { args: 'after-used', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always'],
      'no-var': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
];
