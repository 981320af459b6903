// Lint rules. The core folders must not import vscode values: they run in plain mocha and in the CLI.
import tseslint from 'typescript-eslint';

const core = ['common', 'diagnostics', 'agent', 'protocol', 'cli', 'debugAdapter', 'snapshots', 'sourceIndex'];
const lowerCore = core.filter((dir) => dir !== 'cli');

const LAYER_MESSAGES = {
  cli: 'Only the CLI imports cli/: move what you need down a layer (common, diagnostics, snapshots, …).',
  features: 'Only src/extension.ts wires features/: move what you need down a layer (common, snapshots, …).',
};

/** Who may import what: the core without vscode values, nobody but the wiring reaching up into cli/ or features/. */
const layers = [
  { files: lowerCore.map((dir) => `src/${dir}/**/*.ts`), restricted: ['cli', 'features'] },
  { files: ['src/cli/**/*.ts'], restricted: ['features'] },
  { files: ['src/features/**/*.ts'], restricted: ['cli'], vscodeValues: true },
  { files: ['src/**/*.ts'], ignores: [...core.map((dir) => `src/${dir}/**`), 'src/features/**', 'src/extension.ts'], restricted: ['cli', 'features'], vscodeValues: true },
];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/fixtures/**', 'agent/**', 'bench/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Layering: cli/ and features/ are wired by their entry points only (src/cli/main.ts, src/extension.ts); what
  // two layers share moves down (common, diagnostics, snapshots, …). The core also imports no vscode values.
  ...layers.map(({ files, ignores = [], restricted, vscodeValues }) => ({
    files,
    ignores,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: vscodeValues ? [] : [{ name: 'vscode', message: 'The core runs without VS Code: no vscode values here.', allowTypeImports: true }],
          patterns: restricted.map((layer) => ({ regex: `(^|/)${layer}/`, message: LAYER_MESSAGES[layer] })),
        },
      ],
    },
  })),
  {
    files: ['scripts/**/*.js', 'esbuild.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
  },
);
