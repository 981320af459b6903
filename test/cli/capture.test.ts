// `heaplens ps` and `heaplens capture` against real .NET programs, and every way a capture can fail: the CLI must
// end each with exit 1 and one clear line, within its time limits, leaving no dump behind.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanupDumps, makeDumpDir } from '../support/dumps';
import { RunningFixture } from '../support/fixtures';
import { assertOneLineFailure, childPids, isRunning, runCli, runJson, startCli, waitFor } from './runCli';

interface Captured {
  path: string;
  bytes: number;
  ms: number;
  collected: boolean;
}

describe('heaplens ps and capture', function () {
  this.timeout(120_000);
  let chain: RunningFixture;
  before(async () => {
    chain = await RunningFixture.start('Chain');
  });
  after(async () => {
    await chain?.stop();
    cleanupDumps();
  });

  it('ps --json lists the running fixture with its runtime version', async () => {
    const list = await runJson<Array<{ pid: number; commandLine: string; runtimeVersion: string }>>(['ps']);
    const entry = list.find((p) => p.pid === chain.pid);
    assert.ok(entry, `pid ${chain.pid} not in ${JSON.stringify(list)}`);
    assert.deepStrictEqual(Object.keys(entry).sort(), ['commandLine', 'pid', 'runtimeVersion']);
    assert.match(entry.runtimeVersion, /^10\.\d+\.\d+/);
    assert.match(entry.commandLine, /Chain\.dll/);
  });

  it('ps prints a table with the fixture', async () => {
    const run = await runCli(['ps']);
    assert.strictEqual(run.code, 0);
    assert.match(run.stdout, /^\s*PID\s+Runtime\s+Command Line$/m);
    assert.match(run.stdout, new RegExp(`^\\s*${chain.pid}\\s+10\\.\\S+\\s+.*Chain\\.dll$`, 'm'));
  });

  it('capture --json writes a private dump and reports its size', async () => {
    const out = path.join(makeDumpDir(), 'chain.dmp');
    const result = await runJson<Captured>(['capture', String(chain.pid), '--out', out]);
    const stat = fs.statSync(out);
    assert.deepStrictEqual(Object.keys(result).sort(), ['bytes', 'collected', 'ms', 'path']);
    assert.strictEqual(result.collected, true);
    assert.strictEqual(result.path, out);
    assert.ok(stat.size > 0);
    assert.strictEqual(result.bytes, stat.size);
    assert.strictEqual(stat.mode & 0o777, 0o600);
    assert.strictEqual(fs.readFileSync(out).subarray(0, 4).toString('latin1'), '\x7fELF');
    assert.deepStrictEqual(fs.readdirSync(path.dirname(out)), ['chain.dmp']);
  });

  it('capture without --out writes into ./heaplens-dumps, named with the pid', async () => {
    const cwd = makeDumpDir();
    const run = await runCli(['capture', String(chain.pid)], { cwd });
    assert.strictEqual(run.code, 0, run.stderr);
    const files = fs.readdirSync(path.join(cwd, 'heaplens-dumps'));
    assert.strictEqual(files.length, 1);
    assert.match(files[0], new RegExp(`^dump-${chain.pid}-\\d{8}-\\d{6}\\.dmp$`));
    assert.strictEqual(fs.statSync(path.join(cwd, 'heaplens-dumps')).mode & 0o777, 0o700);
    const bytes = fs.statSync(path.join(cwd, 'heaplens-dumps', files[0])).size;
    assert.match(run.stdout, new RegExp(`^Wrote ${path.join(cwd, 'heaplens-dumps', files[0]).replace(/[.]/g, '\\.')} \\(${bytes.toLocaleString('en-US')} bytes in `));
    assert.match(run.stdout, /\), after a full garbage collection, so it holds live objects only\./);
  });

  it('capture of a pid with no process: exit 1, one line', async () => {
    const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    const run = await runCli(['capture', String(pidMax + 1), '--out', path.join(makeDumpDir(), 'x.dmp')]);
    assertOneLineFailure(run, 1, new RegExp(`^heaplens: No process ${pidMax + 1} is running\\. Check the id with \`heaplens ps\`\\.$`));
  });

  it('capture of a process that is not .NET: exit 1, one line', async () => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const dir = makeDumpDir();
      const run = await runCli(['capture', String(sleeper.pid), '--out', path.join(dir, 'x.dmp')]);
      assertOneLineFailure(run, 1, /^heaplens: Process \d+ is not a \.NET \(5 or later\) process\. Pick one from `heaplens ps`\.$/);
      assert.deepStrictEqual(fs.readdirSync(dir), []);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('capture of a .NET process started with DOTNET_EnableDiagnostics=0: exit 1, says so', async () => {
    const closed = await RunningFixture.start('Chain', { DOTNET_EnableDiagnostics: '0' });
    try {
      const run = await runCli(['capture', String(closed.pid), '--out', path.join(makeDumpDir(), 'x.dmp')]);
      assertOneLineFailure(run, 1, /^heaplens: Process \d+ runs with DOTNET_EnableDiagnostics=0, which turns off the diagnostics server .* Restart it without that setting\.$/);
    } finally {
      await closed.stop();
    }
  });

  it('capture to a place no one can write, not even root: exit 1, names the folder', async () => {
    const run = await runCli(['capture', String(chain.pid), '--out', '/proc/heaplens.dmp']);
    assertOneLineFailure(run, 1, /^heaplens: Cannot write the dump: the folder \/proc cannot be written \(\w+\)\. Choose another destination\. Use --out FILE\.$/);
    const missing = await runCli(['capture', String(chain.pid), '--out', path.join(makeDumpDir(), 'no', 'such', 'x.dmp')]);
    assertOneLineFailure(missing, 1, /the folder .*\/no\/such does not exist\. Choose another destination\. Use --out FILE\.$/);
  });

  it('capture of a stopped process ends within its --timeout, and the process can be captured once resumed', async () => {
    const dir = makeDumpDir();
    process.kill(chain.pid, 'SIGSTOP');
    let run;
    try {
      run = await runCli(['capture', String(chain.pid), '--timeout', '2', '--out', path.join(dir, 'x.dmp')], { timeoutMs: 20_000 });
    } finally {
      process.kill(chain.pid, 'SIGCONT');
    }
    // The first step, the full GC, is what a stopped process cannot do.
    assertOneLineFailure(run, 1, new RegExp(`^heaplens: Process ${chain.pid} did not run a garbage collection within 2 s\\. It is stopped \\(SIGSTOP\\): resume it with \`kill -CONT ${chain.pid}\``));
    // 2 s of waiting plus the CLI's own start (slow on a loaded machine); far below the 120 s default.
    assert.ok(run.ms < 60_000, `took ${run.ms} ms`);
    // Without the GC, the dump request itself is what times out.
    process.kill(chain.pid, 'SIGSTOP');
    let plain;
    try {
      plain = await runCli(['capture', String(chain.pid), '--no-gc', '--timeout', '2', '--out', path.join(dir, 'x.dmp')], { timeoutMs: 20_000 });
    } finally {
      process.kill(chain.pid, 'SIGCONT');
    }
    assertOneLineFailure(plain, 1, new RegExp(`^heaplens: Process ${chain.pid} did not write a dump within 2 s\\. It is stopped \\(SIGSTOP\\)`));
    // The resumed runtime still reads the abandoned request, but its destination is gone: no dump appears later.
    const again = await runJson<Captured>(['capture', String(chain.pid), '--out', path.join(dir, 'after.dmp')]);
    assert.ok(again.bytes > 0);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepStrictEqual(fs.readdirSync(dir), ['after.dmp']);
  });

  it('capture of a process that exits while its dump is written: exit 1, says it exited, keeps nothing', async () => {
    const doomed = await RunningFixture.start('Chain');
    const dir = makeDumpDir();
    try {
      const cli = startCli(['capture', String(doomed.pid), '--out', path.join(dir, 'x.dmp')]);
      // The runtime forks createdump when it starts on our request: kill the process while that child runs.
      await waitFor('createdump to start', () => childPids(doomed.pid).length > 0, 30_000);
      process.kill(doomed.pid, 'SIGKILL');
      const run = await cli.done;
      assertOneLineFailure(run, 1, new RegExp(`^heaplens: Process ${doomed.pid} exited while it was asked to write a dump; nothing was kept\\.$`));
      assert.ok(!isRunning(doomed.pid));
      assert.deepStrictEqual(fs.readdirSync(dir), []);
    } finally {
      await doomed.stop();
    }
  });
});

describe('heaplens usage and missing input', function () {
  this.timeout(30_000);

  it('no command: exit 2 with the usage on stderr', async () => {
    const run = await runCli([]);
    assert.strictEqual(run.code, 2);
    assert.match(run.stderr, /^heaplens: no command given\nUsage: heaplens <command> \[options\]/);
    assert.strictEqual(run.stdout, '');
  });

  it('bad options: exit 2 with the command’s usage', async () => {
    for (const [args, message] of [
      [['stats'], /missing <dump>/],
      [['stats', 'a.dmp', '--sort', 'name'], /--sort must be "bytes", "count" or "retained"/],
      [['capture', 'abc'], /"abc" is not a process id/],
      [['roots', 'a.dmp', '--type', 'T', '--address', '0x10'], /exactly one of --type NAME and --address/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ] as Array<[string[], RegExp]>) {
      const run = await runCli(args);
      assert.strictEqual(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /\nUsage: heaplens /);
    }
  });

  it('--help: exit 0 with the usage on stdout', async () => {
    const run = await runCli(['capture', '--help']);
    assert.strictEqual(run.code, 0);
    assert.match(run.stdout, /^Usage: heaplens capture <pid> \[--out FILE\] \[--full\]/);
    assert.strictEqual(run.stderr, '');
  });

  it('a dump that does not exist: exit 1, one line, no stack trace', async () => {
    const missing = path.join(makeDumpDir(), 'missing.dmp');
    const run = await runCli(['stats', missing]);
    assertOneLineFailure(run, 1, new RegExp(`^heaplens: No dump at ${missing.replace(/[.]/g, '\\.')}: give the path of a dump`));
  });

  it('a file that is not a dump: exit 1, one line', async () => {
    const file = path.join(makeDumpDir(), 'notes.txt');
    fs.writeFileSync(file, 'not a dump');
    assertOneLineFailure(await runCli(['heap', file, '--json']), 1, /is not a core dump/);
  });

  after(() => cleanupDumps());
});
