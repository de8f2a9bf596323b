// ESLint's flat config: a small rule set on top of the recommended ones.
// Formatting is Prettier's job (.prettierrc.json); ESLint checks only what can be a bug.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'out/', 'test-results/', 'playwright-report/', 'coverage/', 'tests/fixtures/', 'renderer/public/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // An unused name is dead code or a mistake; a leading underscore marks one kept on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // `any` is sometimes the honest type at a boundary (native modules, parsed JSON before zod).
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests and the CLI state facts with `!` where the line before checked them.
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
      // Input checks match control characters on purpose.
      'no-control-regex': 'off',
      // Flags the deliberate overwriting of a secret once it has been used.
      'no-useless-assignment': 'off',
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      // The deterministic core takes time and randomness as parameters.
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'core/ is deterministic: time comes in as a parameter.' },
        { object: 'Math', property: 'random', message: 'core/ is deterministic: randomness never enters.' },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
      },
    },
  },
);
