// `npm run demo`: the whole HeapLens walkthrough, headless, in a real VS Code (code-server + Debian's Chromium),
// with a screenshot per step. Builds and packages the extension first, starts code-server with the .vsix installed
// and a copy of the sample workspace, runs scripts/demo/walkthrough.js, and tears everything down.
// Usage: npm run demo [-- <screenshot folder>]   (default test-results/demo)
const { spawnSync } = require('child_process');
const path = require('path');
const { ensureHost, SetupError } = require('../host/setup');
const { packageExtension, startUi, openFolder } = require('../host/ui');
const { makeSampleWorkspace } = require('./sampleWorkspace');
const { walkthrough } = require('./walkthrough');

const root = path.resolve(__dirname, '..', '..');
const shotsDir = path.resolve(process.argv[2] || path.join(root, 'test-results', 'demo'));
const OVERALL_TIMEOUT_MS = 600_000;

async function main() {
  if (!process.env.HEAPLENS_SKIP_BUILD) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed; see above.');
  }
  const host = ensureHost();
  const vsix = packageExtension();
  const workspace = makeSampleWorkspace();
  let ui;
  try {
    ui = await startUi({ host, vsix: [vsix] });
    console.log(`[demo] code-server on ${ui.server.url}, workspace ${workspace.folder}`);
    await openFolder(ui, workspace.folder);
    const seen = await walkthrough(ui.page, { shotsDir, log: (m) => console.log(`[demo] ${m}`) });
    console.log(`[demo] snapshots: ${seen.snapshotRows.map((r) => r.replace(/\s+/g, ' ')).join(' | ')}`);
    console.log(`[demo] heap type: ${seen.typeText.replace(/\s+/g, ' ')}`);
    console.log(`[demo] retention path root: ${seen.rootText.replace(/\s+/g, ' ')}`);
    console.log(`[demo] code lens: ${seen.lensText}`);
    console.log(`[demo] insights: ${seen.insightsText.join(' | ')}`);
    console.log(`[demo] summary: ${seen.summary.title}; top types ${seen.summary.topTypes.slice(0, 3).join(', ')}; growth of ${seen.summary.growthSeries.join(', ')}`);
    console.log(`[demo] ${seen.shots.length} screenshots in ${shotsDir}`);
  } finally {
    if (ui) await ui.close();
    workspace.remove();
  }
}

const timer = setTimeout(() => {
  console.error(`[demo] did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
main().then(
  () => {
    clearTimeout(timer);
    process.exit(0);
  },
  (err) => {
    console.error(`[demo] ${err instanceof SetupError ? err.message : err.stack || err}`);
    process.exit(1);
  },
);
