// Drives the real VS Code UI in a browser, for UI tests and demos: packages the extension as a .vsix, starts
// code-server (no smoke-test driver, so the UI looks as a user sees it) with that .vsix installed, opens a folder in
// headless Chromium, runs commands through the command palette and takes screenshots. Every wait has a time limit.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startCodeServer } = require('./codeServer');
const { launchChromium } = require('./browser');
const { packageVsix } = require('../package');

/**
 * Packages the built extension (run `npm run build` first) into `<outDir>/heaplens-<version>.vsix`, exactly as
 * `npm run package -- --no-build` does (scripts/package.js): the tests install what a user installs.
 */
function packageExtension(outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-vsix-'))) {
  return packageVsix(outDir);
}

/**
 * Starts code-server with the given .vsix files installed and a Chromium page, ready for openFolder().
 * @param {{ host: object, vsix?: string[], viewport?: {width: number, height: number} }} options
 * @returns {Promise<{ server: object, browser: object, page: import('playwright-core').Page, close: () => Promise<void> }>}
 */
async function startUi({ host, vsix = [], viewport = { width: 1440, height: 900 } }) {
  const server = await startCodeServer({ host, installExtensions: vsix });
  let browser;
  try {
    browser = await launchChromium(host.chromium);
    const page = await browser.newPage({ viewport });
    const close = async () => {
      await browser.close().catch(() => {});
      await server.stop();
    };
    return { server, browser, page, close };
  } catch (err) {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
    throw err;
  }
}

/** Opens `folder` in the workbench and waits until the Explorer shows its files. */
async function openFolder(ui, folder, { timeoutMs = 90_000 } = {}) {
  await ui.page.goto(`${ui.server.url}?folder=${encodeURIComponent(folder)}`, { timeout: timeoutMs });
  await ui.page.locator('.monaco-workbench').waitFor({ timeout: timeoutMs });
  await ui.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: timeoutMs });
}

/**
 * Runs a command by its palette title, the way a user does: F1, type the title, Enter.
 * Waits until the highlighted entry is that command, so Enter never runs a near miss. The palette lists the commands
 * known when it opens, and some register late in start-up, so a miss closes it and opens it again until the deadline.
 */
async function runCommand(page, title, { timeoutMs = 30_000 } = {}) {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input');
  const rows = page.locator('.quick-input-list .monaco-list-row');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: Math.max(1000, deadline - Date.now()) });
    await input.fill(`>${title}`);
    const found = await rows
      .and(page.locator('.focused'))
      .filter({ hasText: title })
      .waitFor({ timeout: Math.max(1000, Math.min(5000, deadline - Date.now())) })
      .then(() => true, () => false);
    if (found) break;
    if (Date.now() >= deadline) {
      const shown = (await rows.allInnerTexts()).map((t) => t.split('\n')[0]);
      await page.keyboard.press('Escape');
      throw new Error(`the command palette has no "${title}" on top; it shows: ${shown.slice(0, 5).join(' | ') || 'nothing'}`);
    }
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: 5000 });
  }
  await page.keyboard.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: Math.max(1000, deadline - Date.now()) });
}

/** Saves a screenshot of the whole window to `file` (folders created as needed). */
async function screenshot(page, file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, timeout: 30_000 });
  return file;
}

module.exports = { packageExtension, startUi, openFolder, runCommand, screenshot };
