// Launches Debian's Chromium through playwright-core for the host tests and UI scripts (never `playwright install`:
// nothing downloads at run time). The flags keep it headless-friendly and offline: no sandbox (we may run as root),
// no GPU, no background network, updates, sync or QUIC.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Starts a headless Chromium; fails after `timeoutMs` instead of hanging. Playwright's own signal handlers are off:
 * on Ctrl-C it would kill the browser and exit at once, skipping our teardown (code-server's process group).
 * Chromium keeps its crash database under XDG_CONFIG_HOME whatever its profile dir, so it gets a throwaway one.
 */
async function launchChromium(executablePath = '/usr/bin/chromium', { timeoutMs = 60_000 } = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-chromium-'));
  const removeHome = () => fs.rmSync(home, { recursive: true, force: true });
  try {
    const browser = await chromium.launch({
      executablePath,
      headless: true,
      args: CHROMIUM_FLAGS,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
      timeout: timeoutMs,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    browser.on('disconnected', removeHome);
    return browser;
  } catch (err) {
    removeHome();
    throw err;
  }
}

module.exports = { launchChromium, CHROMIUM_FLAGS };
