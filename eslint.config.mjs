// Lint rules. The core folders must not import vscode values: they run in plain mocha and in the CLI.
import tseslint from 'typescript-eslint';

const core = ['common', 'diagnostics', 'agent', 'protocol', 'cli', 'debugAdapter', 'snapshots', 'sourceIndex'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/fixtures/**', 'agent/**', 'bench/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: core.map((dir) => `src/${dir}/**/*.ts`),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'The core runs without VS Code: no vscode values here.', allowTypeImports: true }] },
      ],
    },
  },
  {
    files: ['scripts/**/*.js', 'esbuild.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
  },
);
