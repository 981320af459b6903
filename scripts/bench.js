// `npm run bench`: bundles the benchmark harness (bench/harness, TypeScript) with esbuild and runs it with the
// same arguments. Not a test: it prints a table and writes bench/results.json and BENCHMARKS.md.
// `npm run bench -- --help` lists the options; `--quick` measures 1,000,000 objects only.
const { spawn } = require('child_process');
const esbuild = require('esbuild');
const path = require('path');

const root = path.resolve(__dirname, '..');
const bundle = path.join(root, 'out', 'bench', 'bench.js');

async function main() {
  await esbuild.build({
    entryPoints: [path.join(root, 'bench', 'harness', 'main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  const child = spawn(process.execPath, ['--enable-source-maps', bundle, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  // Ctrl-C reaches the harness too (same process group): it stops its programs and removes its dumps; we wait for it.
  process.on('SIGINT', () => undefined);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
