// `npm test`: builds everything, then runs every suite and ends with one line `N passed, N failed`.
// Suites: unit (plain mocha), graph (the agent's graph algorithms against reference algorithms: dotnet test on
// agent/HeapLens.Agent.Tests), agent and cli (real fixture programs, real dumps, the real agent), parity (the same
// dumps through dotnet-dump's SOS),
// adapter (DebugClient against dist/debugAdapter.js), host (inside a real VS Code: scripts/host/), browser (the real
// UI in Chromium: clicks, screenshots), ship (the .vsix and the npm package, installed as the README says).
// Pass suite names to run only those: `npm test -- unit agent`.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');

/** Each suite: a name, and how to run it. Node suites are mocha over compiled tests in out/. */
const suites = [
  { name: 'unit', dir: 'test/unit', timeout: 30_000 },
  { name: 'graph', dotnet: 'agent/HeapLens.Agent.Tests/HeapLens.Agent.Tests.csproj' },
  { name: 'agent', dir: 'test/agent', timeout: 300_000 },
  { name: 'cli', dir: 'test/cli', timeout: 300_000 },
  // Against SOS: installs the pinned dotnet-dump itself (test/support/dotnetDump.ts), skips with a reason without it.
  { name: 'parity', dir: 'test/parity', timeout: 600_000 },
  { name: 'adapter', dir: 'test/adapter', timeout: 300_000 },
  // Fault injection: agents killed, hung and crashing, truncated dumps, full disks, exiting targets (test/fault/).
  { name: 'fault', dir: 'test/fault', timeout: 300_000 },
  { name: 'host', script: 'scripts/host/run-host-tests.js' },
  { name: 'ship', dir: 'test/ship', timeout: 600_000 },
  { name: 'browser', dir: 'test/browser', timeout: 600_000 },
];

function step(title, command, args) {
  console.log(`\n== ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.log(`${title} failed (exit ${result.status ?? result.signal}).`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

function findTests(dir) {
  const abs = path.join(root, 'out', dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true })
    .filter((f) => String(f).endsWith('.test.js'))
    .map((f) => path.join(abs, String(f)));
}

/** Reads the counts a suite printed: mocha's "N passing / N failing", dotnet test's "Failed: N, Passed: N", or a line "N passed, N failed". */
function counts(output) {
  const dotnet = [...output.matchAll(/Failed:\s+(\d+), Passed:\s+(\d+)/g)].pop();
  if (dotnet) return { passed: Number(dotnet[2]), failed: Number(dotnet[1]) };
  const plain = [...output.matchAll(/^\s*(\d+) passed, (\d+) failed/gm)].pop();
  if (plain) return { passed: Number(plain[1]), failed: Number(plain[2]) };
  const passing = /(\d+) passing/.exec(output);
  const failing = /(\d+) failing/.exec(output);
  return { passed: passing ? Number(passing[1]) : 0, failed: failing ? Number(failing[1]) : 0 };
}

function runSuite(suite) {
  let command;
  let args;
  if (suite.dotnet) {
    command = 'dotnet';
    args = ['test', path.join(root, suite.dotnet), '-c', 'Release', '--nologo'];
  } else if (suite.script) {
    if (!fs.existsSync(path.join(root, suite.script))) return undefined;
    command = process.execPath;
    args = [suite.script];
  } else {
    const files = findTests(suite.dir);
    if (files.length === 0) return undefined;
    command = process.execPath;
    args = [mocha, '--timeout', String(suite.timeout), '--reporter', 'spec', '--exit', ...files];
  }
  console.log(`\n== suite: ${suite.name}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  process.stdout.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  const c = counts(result.stdout ?? '');
  // A suite that crashed before reporting, or exited non-zero without a failure, counts one failure.
  if (result.status !== 0 && c.failed === 0) c.failed = 1;
  console.log(`-- ${suite.name}: ${c.passed} passed, ${c.failed} failed (${Math.round((Date.now() - started) / 1000)} s)`);
  return c;
}

const only = process.argv.slice(2);
if (!process.env.HEAPLENS_SKIP_BUILD) {
  step('build', 'npm', ['run', 'build']);
  step('compile tests', 'npm', ['run', 'compile-tests']);
  step('lint', 'npm', ['run', 'lint']);
}

let passed = 0;
let failed = 0;
for (const suite of suites) {
  if (only.length && !only.includes(suite.name)) continue;
  const c = runSuite(suite);
  if (!c) continue;
  passed += c.passed;
  failed += c.failed;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
