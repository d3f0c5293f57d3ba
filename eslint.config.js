import js from '@eslint/js';
import vue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', '.tools', 'data', 'dist', 'web/dist', 'coverage', 'tests/fixtures'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    rules: {
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/multi-word-component-names': 'off',
      // vue-tsc checks names (browser globals included); core no-undef does not know the DOM types.
      'no-undef': 'off',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Objects built per row on the server: a spread followed by more properties gives each its
    // own hidden class in V8 (tests/unit/list-items.test.ts says why).
    files: ['api/**/*.ts', 'db/**/*.ts', 'activities/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(map|flatMap)$/] > ArrowFunctionExpression > ObjectExpression > SpreadElement ~ *',
          message:
            'A spread followed by more properties makes a hidden class per object in V8: use Object.assign onto a fresh object, or write the properties out.',
        },
      ],
    },
  },
  {
    // Workflow code must stay deterministic: no I/O, no database, no Node built-ins, no activity
    // implementations (types only). A replay would otherwise diverge from the recorded history.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'workflows/ must not use Node built-ins (I/O is for activities).' },
            {
              regex: '^#(db|api|worker|platform|scripts)/',
              message: 'workflows/ must not import I/O code.',
            },
            {
              group: ['../db/*', '../db', '../api/*', '../worker/*', '../platform/*', '../scripts/*'],
              message: 'workflows/ must not import I/O code.',
            },
            {
              regex: '^#activities/',
              allowTypeImports: true,
              message: 'workflows/ may import activity types only (import type).',
            },
            {
              group: ['../activities/*'],
              allowTypeImports: true,
              message: 'workflows/ may import activity types only (import type).',
            },
            {
              group: [
                '@mikro-orm/*',
                'pg',
                'express',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
              ],
              message: 'workflows/ must not import I/O libraries.',
            },
          ],
          paths: ['fs', 'path', 'http', 'https', 'net', 'child_process', 'crypto', 'os'],
        },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'fetch', 'process'],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '@temporalio/*', '@mikro-orm/*', 'express', 'pg', 'vue'],
              message: 'domain/ is pure TypeScript.',
            },
            {
              regex: '^#(?!domain/)',
              message: 'domain/ imports only domain/.',
            },
          ],
        },
      ],
    },
  },
);
