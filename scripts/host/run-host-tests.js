// Runs the host suite: the mocha tests in test/host/ inside a real VS Code extension host (code-server's), the way
// VS Code's own browser smoke tests do it. Chromium opens the workbench with the smoke-test driver on and a payload
// naming this repo as the extension under development and out/test/host/index.js as the tests; the extension host's
// console comes back through codeAutomationLog, the exit code through codeAutomationExit.
// Prints the suite's report and ends with `N passed, N failed`; exit code 0 only when nothing failed.
// Assumes `npm run build` and `npm run compile-tests` have run (npm test does both).
// Env: HEAPLENS_HOST_TIMEOUT_MS (limit from opening the page to the host's exit, default 5 min; start-up and
// teardown have limits of their own), HEAPLENS_HOST_VERBOSE=1 (also echo the workbench's own log).
const fs = require('fs');
const path = require('path');
const util = require('util');
const { ensureHost, SetupError } = require('./setup');
const { startCodeServer } = require('./codeServer');
const { launchChromium } = require('./browser');
const { makeWorkspace } = require('./workspace');

const root = path.resolve(__dirname, '..', '..');
const suiteIndex = path.join(root, 'out', 'test', 'host', 'index.js');
const extensionBundle = path.join(root, 'dist', 'extension.js');
/** The fixture app copied as the workspace; test/host/workspace.test.ts checks it (keep the two in step). */
const WORKSPACE_APP = 'Chain';
const OVERALL_TIMEOUT_MS = Number(process.env.HEAPLENS_HOST_TIMEOUT_MS) || 600_000;
const VERBOSE = process.env.HEAPLENS_HOST_VERBOSE === '1';
const REPORT_LINE = /^\s*(\d+) passed, (\d+) failed\s*$/;
/** The first line test/host/index.ts prints (keep in step with it). */
const SUITE_START = /^HeapLens host tests: /;

class HostRunError extends Error {}

/** The page URL: which folder to open, and (through the payload) which extension and tests to run. */
function testUrl(server, folder) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(root)],
    ['extensionTestsPath', remote(suiteIndex)],
    ['skipWelcome', 'true'],
  ];
  return `${server.url}?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Resolves with the first of: the host's exit code, a timeout, or an interrupt. */
function waitForExit(exited, interrupted) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new HostRunError(`the host tests did not finish within ${OVERALL_TIMEOUT_MS / 1000} s; rerun with HEAPLENS_HOST_VERBOSE=1 to see the workbench's log`)), OVERALL_TIMEOUT_MS);
  });
  return Promise.race([exited, timeout, interrupted]).finally(() => clearTimeout(timer));
}

/** Stops a teardown step from hanging the whole run. */
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((resolve) => {
      timer = setTimeout(() => {
        console.error(`[host] ${what} took over ${ms / 1000} s; moving on`);
        resolve();
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function main() {
  const started = Date.now();
  const lines = [];
  const startupLines = [];
  let suiteStarted = false;
  let server;
  let browser;
  let workspace;

  let interrupt;
  const interrupted = new Promise((_, reject) => (interrupt = reject));
  const onSignal = (signal) => interrupt(new HostRunError(`interrupted (${signal})`));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  interrupted.catch(() => {}); // Only observed through waitForExit; never an unhandled rejection.

  let result = { passed: 0, failed: 1 };
  try {
    for (const [file, fix] of [
      [extensionBundle, 'npm run build'],
      [suiteIndex, 'npm run compile-tests'],
    ]) {
      if (!fs.existsSync(file)) throw new HostRunError(`${path.relative(root, file)} is missing: run \`${fix}\` first.`);
    }
    const host = ensureHost();
    workspace = makeWorkspace(WORKSPACE_APP);
    server = await Promise.race([startCodeServer({ host, smokeTestDriver: true }), interrupted]);
    console.log(`[host] code-server ${host.codeServerVersion} on ${server.url} (pid ${server.pid}), workspace ${workspace.folder}`);
    browser = await Promise.race([launchChromium(host.chromium), interrupted]);
    const page = await browser.newPage();

    let exit;
    const exited = new Promise((resolve) => (exit = resolve));
    // Workbench and extension host logs arrive mixed; the suite's first line (SUITE_START) splits them: before it,
    // only workbench start-up noise (offline gallery look-ups and such), echoed only when verbose or on failure.
    await page.exposeFunction('codeAutomationLog', (_type, args) => {
      const text = Array.isArray(args) ? util.format(...args) : String(args);
      for (const line of text.split('\n')) {
        if (SUITE_START.test(line)) suiteStarted = true;
        (suiteStarted ? lines : startupLines).push(line);
        if (suiteStarted || VERBOSE) console.log(line);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code) => exit(Number(code)));
    page.on('pageerror', (err) => console.error(`[host] page error: ${err.message}`));

    await Promise.race([page.goto(testUrl(server, workspace.folder), { timeout: 60_000 }), interrupted]);
    const code = await waitForExit(exited, interrupted);
    const report = lines.map((l) => REPORT_LINE.exec(l)).filter(Boolean).pop();
    if (!report) {
      if (!VERBOSE) console.log(startupLines.slice(-30).join('\n'));
      console.log(`[host] the extension host exited with code ${code} without a "N passed, N failed" report`);
      result = { passed: 0, failed: 1 };
    } else {
      result = { passed: Number(report[1]), failed: Number(report[2]) };
      // A failing exit with a clean report (e.g. a crash after the report) still counts as a failure.
      if (code !== 0 && result.failed === 0) result.failed = 1;
    }
  } catch (err) {
    const known = err instanceof HostRunError || err instanceof SetupError;
    console.log(`[host] ${known ? err.message : err.stack || err}`);
    if (!suiteStarted && startupLines.length && !VERBOSE) console.log(`[host] the workbench's log so far:\n${startupLines.slice(-30).join('\n')}`);
    if (server && !known) console.log(`[host] code-server's last output:\n${server.log().trim().split('\n').slice(-20).join('\n')}`);
    result = { passed: result.passed, failed: Math.max(result.failed, 1) };
  } finally {
    if (browser) await withTimeout(browser.close(), 15_000, 'closing Chromium');
    if (server) await withTimeout(server.stop(), 15_000, 'stopping code-server');
    if (workspace) workspace.remove();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  console.log(`[host] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${result.passed} passed, ${result.failed} failed`);
  return result.failed === 0 && result.passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log(`[host] ${err.stack || err}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
