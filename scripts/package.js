// `npm run package`: builds the extension for release (minified bundles, the agent) and packages it as
// heaplens-<version>.vsix in the repository root: the bundles, the built agent, the C# parser's WebAssembly, media,
// package.json, README, CHANGELOG and LICENSE (.vscodeignore), no tests, sources or source maps. Fails when the
// .vsix is larger than the budget the README states. `-- --no-build` packages what `npm run build` already built;
// `-- --out DIR` writes the .vsix elsewhere.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');

/** The size budget of the .vsix, read from the README's install section ("… at most N MB …"). */
function sizeBudgetBytes() {
  const match = /The \.vsix is at most (\d+) MB/.exec(fs.readFileSync(path.join(root, 'README.md'), 'utf8'));
  if (!match) throw new Error('README.md states no size budget ("The .vsix is at most N MB").');
  return Number(match[1]) * 1024 * 1024;
}

function build() {
  const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  run([path.join(root, 'esbuild.js'), '--production']);
  run([path.join(root, 'scripts', 'build-agent.js')]);
}

/** Packages dist/ (already built) into `<outDir>/heaplens-<version>.vsix`; returns its path. */
function packageVsix(outDir = root) {
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js')) || !fs.existsSync(path.join(root, 'dist', 'agent', 'HeapLens.Agent.dll'))) {
    throw new Error('dist/ is not built: run `npm run build` (or `npm run package` without --no-build).');
  }
  if (!fs.existsSync(vsce)) throw new Error('@vscode/vsce is missing: run `npm ci`.');
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `heaplens-${version}.vsix`);
  // The bundles carry their dependencies, so no dependency detection. The README's pictures stay relative.
  const args = [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--out', out];
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  if (result.status !== 0 || !fs.existsSync(out)) {
    throw new Error(`vsce package failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`);
  }
  const size = fs.statSync(out).size;
  const budget = sizeBudgetBytes();
  if (size > budget) throw new Error(`${out} is ${(size / 1048576).toFixed(1)} MB, over the README's budget of ${budget / 1048576} MB.`);
  return out;
}

module.exports = { packageVsix, sizeBudgetBytes };

if (require.main === module) {
  try {
    const args = process.argv.slice(2);
    if (!args.includes('--no-build')) build();
    const outAt = args.indexOf('--out');
    const out = packageVsix(outAt >= 0 ? path.resolve(args[outAt + 1]) : root);
    console.log(`Packaged ${out} (${(fs.statSync(out).size / 1048576).toFixed(1)} MB).`);
  } catch (err) {
    console.error(`package: ${err.message}`);
    process.exit(1);
  }
}
