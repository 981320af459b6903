// Proves the UI helpers end to end: packages HeapLens, starts code-server with the .vsix installed, opens a copy of
// a fixture app with Program.cs in the editor, shows the installed extensions through the command palette (HeapLens
// must be listed) and writes test-results/screenshots/smoke.png. Run `npm run build` first.
// Usage: node scripts/host/screenshot-smoke.js [output.png]
const fs = require('fs');
const path = require('path');
const { ensureHost, SetupError } = require('./setup');
const { makeWorkspace } = require('./workspace');
const { packageExtension, startUi, openFolder, runCommand, screenshot } = require('./ui');

const root = path.resolve(__dirname, '..', '..');
const output = path.resolve(process.argv[2] || path.join(root, 'test-results', 'screenshots', 'smoke.png'));
const OVERALL_TIMEOUT_MS = 300_000;

async function main() {
  const { displayName } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const host = ensureHost();
  const vsix = packageExtension();
  console.log(`packaged ${vsix}`);
  const workspace = makeWorkspace('Chain');
  let ui;
  try {
    ui = await startUi({ host, vsix: [vsix] });
    console.log(`code-server on ${ui.server.url}, workspace ${workspace.folder}`);
    await openFolder(ui, workspace.folder);
    // Program.cs in the editor, so the picture shows the workspace as well as the extension.
    await ui.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'Program.cs' }).first().click({ timeout: 30_000 });
    await ui.page.locator('.editor-instance .view-lines').first().waitFor({ timeout: 30_000 });
    await runCommand(ui.page, 'Extensions: Show Installed Extensions');
    // The installed list must show the packaged extension, or the .vsix did not install.
    await ui.page
      .locator('.extensions-viewlet .monaco-list-row', { hasText: displayName })
      .first()
      .waitFor({ timeout: 60_000 })
      .catch(() => {
        throw new Error(`"${displayName}" is not in the installed extensions list`);
      });
    await ui.page.mouse.move(1100, 750); // away from the list, so no hover card covers the picture
    await ui.page.waitForTimeout(1000); // let the list finish painting and the hover fade
    console.log(`wrote ${await screenshot(ui.page, output)}`);
  } finally {
    if (ui) await ui.close();
    workspace.remove();
    fs.rmSync(path.dirname(vsix), { recursive: true, force: true });
  }
}

const timer = setTimeout(() => {
  console.error(`screenshot smoke did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
  process.exit(1); // code-server's process group is killed by its exit hook
}, OVERALL_TIMEOUT_MS);

main().then(
  () => {
    clearTimeout(timer);
  },
  (err) => {
    console.error(err instanceof SetupError ? `[host setup] ${err.message}` : `screenshot smoke failed: ${err.message}`);
    process.exit(1);
  },
);
