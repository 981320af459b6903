// `npm start`: HeapLens in a real VS Code in your browser. Installs what is missing (npm packages, Debian's Chromium
// and code-server through scripts/host/setup.js), builds and packages the extension, starts code-server with the
// .vsix installed and a copy of the sample workspace (test/fixtures/workspace/LeakyShop, a leaking program with a
// `heaplens` launch configuration), and prints the address to open. Ctrl-C stops it and deletes the copy.
// Env: HEAPLENS_SKIP_BUILD=1 reuses dist/ as it is.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');

function step(title, command, args) {
  console.log(`[start] ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[start] ${title} failed (exit ${result.status ?? result.signal}); fix what it says above and run npm start again.`);
    process.exit(1);
  }
}

async function main() {
  if (!fs.existsSync(path.join(root, 'node_modules', 'playwright-core'))) step('installing npm packages (npm ci)', 'npm', ['ci', '--no-audit', '--no-fund']);
  // Loaded only now: they need the npm packages installed above.
  const { ensureHost, SetupError } = require('../host/setup');
  const { startCodeServer } = require('../host/codeServer');
  const { packageExtension } = require('../host/ui');
  const { makeSampleWorkspace } = require('./sampleWorkspace');

  if (!process.env.HEAPLENS_SKIP_BUILD) step('building the extension and the analysis agent (npm run build)', 'npm', ['run', 'build']);
  let host;
  try {
    console.log('[start] checking code-server, Node 24 and Chromium (installed once, under ~/.cache/heaplens)');
    host = ensureHost();
  } catch (err) {
    console.error(`[start] ${err instanceof SetupError ? err.message : err.stack || err}`);
    process.exit(1);
  }
  console.log('[start] packaging the extension');
  const vsix = packageExtension();
  const workspace = makeSampleWorkspace();
  const server = await startCodeServer({ host, installExtensions: [vsix], folder: workspace.folder });
  const url = `${server.url}?folder=${encodeURIComponent(workspace.folder)}`;
  console.log('');
  console.log(`  HeapLens is running in VS Code (code-server ${host.codeServerVersion}). Open:`);
  console.log(`    ${url}`);
  console.log('');
  console.log('  Then: press F5 ("HeapLens: LeakyShop" builds and runs the sample), press the camera button in the');
  console.log('  debug toolbar (Capture Heap), wait a few seconds, press it again, and open the HeapLens view.');
  console.log('  Ctrl-C stops code-server and deletes the sample workspace copy.');
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n[start] ${signal}: stopping code-server`);
    await server.stop();
    workspace.remove();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(`[start] ${err.stack || err}`);
  process.exit(1);
});
