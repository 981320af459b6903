// Bundles the TypeScript entry points: the extension, the CLI, the debug adapter and the webview script.
// Type checking is separate (`npm run typecheck`); esbuild only strips types.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
/** Written into every bundle (src/common/version.ts); the agent is stamped with the same (scripts/build-agent.js). */
const { version } = require('./package.json');
const watch = process.argv.includes('--watch');

/** Each entry is its own bundle; `vscode` is provided by the host and never bundled. */
const entries = [
  { in: 'src/extension.ts', out: 'extension' },
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'src/debugAdapter/main.ts', out: 'debugAdapter' },
  // Thaws (or kills) what a crashed extension host or adapter left frozen: a process of its own.
  { in: 'src/debugAdapter/freezeWatchdogMain.ts', out: 'freezeWatchdogMain' },
  // Browser-side code of the snapshot summary page (a webview): one script, no Node.
  { in: 'src/webview/summary/main.ts', out: 'webview/summary', browser: true },
  // Browser-side code of the live Memory view (a webview view).
  { in: 'src/webview/memory/main.ts', out: 'webview/memory', browser: true },
].filter((e) => fs.existsSync(path.join(__dirname, e.in)));

/** WebAssembly the extension loads at run time (Go to Source's C# parser), copied beside the bundles. */
const wasmFiles = ['web-tree-sitter/web-tree-sitter.wasm', 'tree-sitter-c-sharp/tree-sitter-c_sharp.wasm'];

function copyWasm() {
  for (const file of wasmFiles) fs.copyFileSync(path.join(__dirname, 'node_modules', file), path.join(__dirname, 'dist', path.basename(file)));
}

async function main() {
  const contexts = await Promise.all(
    entries.map((e) =>
      esbuild.context({
        entryPoints: { [e.out]: e.in },
        bundle: true,
        format: e.browser ? 'iife' : 'cjs',
        platform: e.browser ? 'browser' : 'node',
        target: e.browser ? 'es2022' : 'node20',
        outdir: 'dist',
        external: ['vscode'],
        sourcemap: !production,
        sourcesContent: false,
        minify: production,
        logLevel: 'warning',
        banner: e.banner ? { js: e.banner } : undefined,
        define: { HEAPLENS_VERSION: JSON.stringify(version) },
      }),
    ),
  );
  fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true });
  copyWasm();
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  const cli = path.join(__dirname, 'dist', 'cli.js');
  if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
