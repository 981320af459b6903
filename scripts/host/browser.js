// Launches Debian's Chromium through playwright-core for the host tests and UI scripts (never `playwright install`:
// nothing downloads at run time). The flags keep it headless-friendly and offline: no sandbox (we may run as root),
// no GPU, no background network, updates, sync or QUIC.
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
 */
function launchChromium(executablePath = '/usr/bin/chromium', { timeoutMs = 60_000 } = {}) {
  return chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: timeoutMs,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

module.exports = { launchChromium, CHROMIUM_FLAGS };
