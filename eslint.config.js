// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.demo/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // The core names what it needs as ports; it never reaches for an adapter, the CLI,
    // the file system, or the parts that only demos and benchmarks use.
    files: ['src/core/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:fs', message: 'core does no I/O of its own: take a port' },
            { name: 'node:fs/promises', message: 'core does no I/O of its own: take a port' },
          ],
          patterns: [{ regex: '/(adapters|cli|sandbox|bench)/', message: 'core depends on ports (src/core/ports.ts), not on adapters, the CLI, the sandbox or the benchmark' }],
        },
      ],
    },
  },
  {
    // The product never imports the emulators or the benchmark: only the commands that
    // start the sandbox do.
    files: ['src/**/*.ts'],
    ignores: ['src/sandbox/**', 'src/bench/**', 'src/core/**', 'src/cli/commands/sandbox.ts', 'src/cli/commands/demo.ts', 'src/cli/commands/demo-optouts.ts', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '/(sandbox|bench)/', message: 'only the sandbox and demo commands start the sandbox; nothing imports the benchmark' }] }],
    },
  },
  {
    // Tests reach into configs and JSON freely; the product code stays typed.
    files: ['test/**/*.ts', 'src/**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
