// Starts and stops one code-server (the VS Code server with its web workbench) for tests and demos.
// Each server gets its own throwaway folder for user data, extensions, TMPDIR and XDG dirs, so runs never share
// state with each other or with the user's own VS Code. It runs detached in its own process group: extension hosts
// outlive the main process otherwise, so stop() kills the whole group.
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

/** Settings that keep the workbench quiet and offline: no AI features, no welcome page, no telemetry, no updates. */
const SETTINGS = {
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
};

const LISTENING = /HTTP server listening on (http:\/\/127\.0\.0\.1:(\d+)\/)/;

/** The environment for the server: ours minus an outer npm's variables, plus its own TMPDIR and XDG dirs. */
function serverEnv(dirs) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'NODE' || key === 'NODE_OPTIONS' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, TMPDIR: dirs.tmp, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, XDG_CACHE_HOME: dirs.cache };
}

/** Creates the throwaway folders (owner-only: a test workspace may hold dumps) and the user settings file. */
function makeDirs(base) {
  const dirs = {
    base,
    userData: path.join(base, 'user-data'),
    extensions: path.join(base, 'extensions'),
    tmp: path.join(base, 'tmp'),
    config: path.join(base, 'config'),
    data: path.join(base, 'data'),
    cache: path.join(base, 'cache'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2) + '\n');
  return dirs;
}

/** The arguments every run shares: its own folders, no auth, no telemetry, no update check. */
function commonArgs(host, dirs) {
  return [host.codeServerEntry, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--disable-telemetry', '--disable-update-check'];
}

/** Runs a short code-server command (e.g. --install-extension) to completion, with a time limit. */
function runOnce(host, dirs, args, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(host.node, [...commonArgs(host, dirs), ...args], { env: serverEnv(dirs), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish in ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${what} could not start: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${what} failed (exit ${code ?? signal}):\n${output}`));
    });
  });
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is already gone */
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts code-server and resolves once it listens.
 * @param {object} options
 * @param {object} options.host          what setup.js's ensureHost() returned (node, codeServerEntry)
 * @param {string} [options.folder]      folder to open when the page has no ?folder= of its own
 * @param {boolean} [options.smokeTestDriver] enable the smoke-test driver (extension tests in the web host; hides toasts)
 * @param {string[]} [options.installExtensions] .vsix files to install before starting
 * @param {number} [options.startTimeoutMs] how long to wait for the "listening" line
 * @param {boolean} [options.keepFiles]  keep the throwaway folder after stop() (for debugging)
 * @returns {Promise<{url: string, port: number, pid: number, dirs: object, logFile: string, log: () => string, stop: () => Promise<void>}>}
 */
async function startCodeServer({ host, folder, smokeTestDriver = false, installExtensions = [], startTimeoutMs = 60_000, keepFiles = false }) {
  const dirs = makeDirs(fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-cs-')));
  const removeFiles = () => {
    if (!keepFiles) fs.rmSync(dirs.base, { recursive: true, force: true });
  };
  try {
    for (const vsix of installExtensions) {
      await runOnce(host, dirs, ['--install-extension', vsix], 120_000, `installing ${path.basename(vsix)}`);
    }
  } catch (err) {
    removeFiles();
    throw err;
  }

  const args = [
    ...commonArgs(host, dirs),
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--disable-workspace-trust',
    '--reconnection-grace-time', '5',
    '--ignore-last-opened',
  ];
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (folder) args.push(folder);

  const logFile = path.join(dirs.base, 'code-server.log');
  const logStream = fs.createWriteStream(logFile);
  let output = '';
  const child = spawn(host.node, args, { env: serverEnv(dirs), cwd: dirs.base, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  const append = (chunk) => {
    output += chunk;
    logStream.write(chunk);
  };
  child.stdout.setEncoding('utf8').on('data', append);
  child.stderr.setEncoding('utf8').on('data', append);

  // If our own process ends without calling stop(), take the server down with it.
  const onExit = () => pid && killGroup(pid, 'SIGKILL');
  process.on('exit', onExit);

  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      process.off('exit', onExit);
      if (pid) {
        killGroup(pid, 'SIGTERM');
        for (let waited = 0; groupAlive(pid) && waited < 5000; waited += 100) await sleep(100);
        if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
        for (let waited = 0; groupAlive(pid) && waited < 5000; waited += 100) await sleep(100);
      }
      child.stdout.destroy();
      child.stderr.destroy();
      await new Promise((resolve) => logStream.end(resolve));
      removeFiles();
    })();
    return stopped;
  };

  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`code-server did not report its port within ${startTimeoutMs / 1000} s`)), startTimeoutMs);
      const onData = () => {
        const match = LISTENING.exec(output);
        if (match) finish(undefined, Number(match[2]));
      };
      const onExitEarly = (code, signal) => finish(new Error(`code-server exited (${code ?? signal}) before listening`));
      const onError = (err) => finish(new Error(`code-server could not start: ${err.message}`));
      function finish(err, value) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        child.off('exit', onExitEarly);
        child.off('error', onError);
        if (err) reject(err);
        else resolve(value);
      }
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', onExitEarly);
      child.once('error', onError);
      onData();
    });
    return { url: `http://127.0.0.1:${port}/`, port, pid, dirs, logFile, log: () => output, stop };
  } catch (err) {
    const tail = output.trim().split('\n').slice(-15).join('\n');
    await stop();
    throw new Error(`${err.message}. Its last output:\n${tail}`);
  }
}

/**
 * Installs .vsix files into a fresh, empty extensions folder with code-server's `--install-extension` (the same
 * flag as `code --install-extension`) and lists what is installed, without starting a server.
 * @returns {Promise<{ extensionsDir: string, listed: string, remove: () => void }>}
 */
async function installExtension({ host, vsix }) {
  const dirs = makeDirs(fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-cs-')));
  const remove = () => fs.rmSync(dirs.base, { recursive: true, force: true });
  try {
    if (fs.readdirSync(dirs.extensions).length !== 0) throw new Error(`${dirs.extensions} is not empty`);
    await runOnce(host, dirs, ['--install-extension', vsix], 120_000, `installing ${path.basename(vsix)}`);
    const listed = await runOnce(host, dirs, ['--list-extensions', '--show-versions'], 60_000, 'listing the extensions');
    return { extensionsDir: dirs.extensions, listed, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

module.exports = { startCodeServer, installExtension };
