// ESLint flat config: the TypeScript sources, tests, bench and scripts, plus the import boundaries between layers.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TS_FILES = ['**/*.ts', '**/*.tsx'];

/**
 * A relative specifier that climbs (`../`, `../../src/`) into one of `dirs` of src/: packages and same-named
 * folders deeper down are never caught.
 */
const relativeTo = (...dirs) => `^(?:\\.\\./)+(?:src/)?(?:${dirs.join('|')})(?:/|\\.js$|$)`;

export default tseslint.config(
  {
    ignores: ['dist/', 'coverage/', 'node_modules/', 'bench/results/', 'chaos/results/'],
  },

  // Type-checked recommended set: the whole tree lints in well under a minute, and the type-aware rules
  // (floating promises, misused promises, awaited non-thenables, unsafe `any` flow) are the ones that catch bugs.
  {
    files: TS_FILES,
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // vitest.config.ts sits outside tsconfig.json's include (it is not part of the build or the typecheck).
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Fastify plugins, route handlers and hooks are async by contract (the framework awaits them), whether or not
      // they await anything themselves.
      '@typescript-eslint/require-await': 'off',
      // `_`-prefixed names are deliberately unused (callback signatures, destructured-away fields).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },

  // Tests read JSON answers as `any` on purpose (test/helpers/gateway.ts `api()`): the `expect` assertions are the
  // type check there, so the `any`-flow rules would only ask for casts. The promise rules stay on.
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },

  // Plain JavaScript (this file, the Docker healthcheck): the core recommended rules on Node globals.
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', AbortSignal: 'readonly', URL: 'readonly' },
    },
  },

  // --- Import boundaries --------------------------------------------------------------------------------------------
  // Provider adapters are self-contained: they talk to the gateway only through providers/types.ts.
  {
    files: ['providers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: relativeTo('src'), message: 'providers/ must not import from src/ (the gateway depends on providers, not the reverse).' }],
      }],
    },
  },
  // HTTP routes go through services; only services touch the store.
  {
    files: ['src/routes/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: relativeTo('store'), message: 'src/routes/ must not import from src/store/: go through a service.' }],
      }],
    },
  },
  // The domain layer is pure: no Redis, no queues, no HTTP.
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: relativeTo('store', 'services', 'jobs', 'routes', 'plugins'),
          message: 'src/domain/ is pure: it must not import from src/store, src/services, src/jobs, src/routes or src/plugins.',
        }],
      }],
    },
  },
);
