// Every failure ends as one line that says what happened and what to do, with the right code and exit code.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AgentError } from '../../src/agent/agentClient';
import { UsageError } from '../../src/cli/args';
import { CliFailure, describeFailure } from '../../src/cli/failure';
import { checkDumpFile } from '../../src/cli/session';
import { CancelledError, TimeoutError } from '../../src/common/async';
import { CaptureError } from '../../src/diagnostics/captureError';
import { writeDump } from '../../src/diagnostics/dump';
import { describeTransportFailure } from '../../src/diagnostics/failures';
import { TransportError, TransportFailure } from '../../src/diagnostics/ipcTransport';

describe('transport failures become capture errors', () => {
  const probe = (alive: boolean, hint = '') => ({ alive: () => alive, hint: () => hint });
  const map = (failure: TransportFailure, alive: boolean, hint = '') =>
    describeTransportFailure(new TransportError(failure, `detail of ${failure}`), 42, 'write a dump', 2_000, probe(alive, hint));

  const cases: Array<[TransportFailure, boolean, string, RegExp]> = [
    ['missing', false, 'process-exited', /^Process 42 exited before it could write a dump\.$/],
    ['refused', true, 'diagnostics-disabled', /does not answer \(detail of refused\).*Restart the process/],
    ['denied', true, 'permission-denied', /run HeapLens as the process's user \(or with sudo\)/],
    ['connect-timeout', true, 'timeout', /^Process 42 did not accept a diagnostics connection within 2 s\.$/],
    ['reply-timeout', true, 'timeout', /^Process 42 did not write a dump within 2 s\. A very large heap needs more time: allow a longer timeout\.$/],
    ['closed', false, 'process-exited', /^Process 42 exited while it was asked to write a dump; nothing was kept\.$/],
    ['closed', true, 'protocol-error', /closed the diagnostics connection without answering \(detail of closed\)\. Try again\./],
    ['malformed', true, 'protocol-error', /answered something that is not a diagnostics reply: detail of malformed/],
    ['cancelled', true, 'cancelled', /was cancelled/],
    ['other', true, 'protocol-error', /Could not ask process 42 to write a dump: detail of other/],
  ];
  for (const [failure, alive, code, pattern] of cases) {
    it(`${failure} (process ${alive ? 'alive' : 'gone'}) → ${code}`, () => {
      const err = map(failure, alive);
      assert.strictEqual(err.code, code);
      assert.match(err.message, pattern);
    });
  }

  it('a timeout on a stopped process says how to resume it instead of asking for more time', () => {
    const err = map('reply-timeout', true, ' It is stopped (SIGSTOP): resume it with `kill -CONT 42` and try again.');
    assert.match(err.message, /within 2 s\. It is stopped \(SIGSTOP\): resume it with `kill -CONT 42`/);
    assert.doesNotMatch(err.message, /longer timeout/);
  });
});

describe('capture refuses early, with the reason', function () {
  this.timeout(10_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-unit-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function refusal(pid: number, file: string): Promise<CaptureError> {
    try {
      await writeDump(pid, { path: file });
    } catch (err) {
      assert.ok(err instanceof CaptureError);
      return err;
    }
    assert.fail('expected a refusal');
  }

  it('a pid with no process', async () => {
    // The largest pid the kernel hands out, plus one, cannot exist.
    const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    const err = await refusal(pidMax + 1, path.join(dir, 'a.dmp'));
    assert.strictEqual(err.code, 'no-such-process');
    assert.strictEqual(err.message, `No process ${pidMax + 1} is running. Check the id with \`heaplens ps\`.`);
  });

  it('a pid that is not a number of a process', async () => {
    assert.strictEqual((await refusal(-3, path.join(dir, 'a.dmp'))).code, 'no-such-process');
  });

  it('a process without .NET', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const err = await refusal(sleeper.pid!, path.join(dir, 'a.dmp'));
      assert.strictEqual(err.code, 'not-dotnet');
      assert.match(err.message, /is not a \.NET \(5 or later\) process\. Pick one from `heaplens ps`\./);
    } finally {
      sleeper.kill('SIGKILL');
    }
    assert.deepStrictEqual(fs.readdirSync(dir), []);
  });
});

describe('CLI failures: message and exit code', () => {
  it('maps each kind of error to one line and its exit code', () => {
    assert.deepStrictEqual(describeFailure(new UsageError('missing <dump>')), { exitCode: 2, message: 'missing <dump>' });
    assert.deepStrictEqual(describeFailure(new CaptureError('timeout', 'Process 1 did not\nanswer.')), { exitCode: 1, message: 'Process 1 did not answer.' });
    assert.deepStrictEqual(describeFailure(new AgentError('The dump is truncated.', 1001)), { exitCode: 1, message: 'The dump is truncated.' });
    assert.deepStrictEqual(describeFailure(new TimeoutError('The agent did not answer.')), { exitCode: 1, message: 'The agent did not answer.' });
    assert.deepStrictEqual(describeFailure(new CliFailure('No dump at /x.')), { exitCode: 1, message: 'No dump at /x.' });
    assert.deepStrictEqual(describeFailure(new CancelledError()), { exitCode: 130, message: 'Interrupted: nothing was kept.' });
    assert.strictEqual(describeFailure(new CaptureError('cancelled', 'x')).exitCode, 130);
  });

  it('names the CLI flag that helps, where one does', () => {
    assert.strictEqual(describeFailure(new CaptureError('path-not-writable', 'Cannot write the dump: … Choose another destination.')).message, 'Cannot write the dump: … Choose another destination. Use --out FILE.');
    assert.strictEqual(describeFailure(new CaptureError('timeout', 'Process 1 did not write a dump within 2 s. … allow a longer timeout.')).message, 'Process 1 did not write a dump within 2 s. … allow a longer timeout. Use --timeout SECONDS.');
    assert.strictEqual(describeFailure(new CaptureError('timeout', 'Process 1 did not write a dump within 2 s. It is stopped (SIGSTOP).')).message, 'Process 1 did not write a dump within 2 s. It is stopped (SIGSTOP).');
  });

  it('an unexpected error is one line without its stack, and says how to see more', () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'x')");
    const outcome = describeFailure(err);
    assert.strictEqual(outcome.exitCode, 1);
    assert.strictEqual(outcome.message, "Unexpected error: Cannot read properties of undefined (reading 'x') (run with --verbose for the agent's log; please report it).");
  });
});

describe('dump files are checked before an agent starts', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-unit-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names a missing file, a folder, an empty file and a file that is no dump', () => {
    assert.throws(() => checkDumpFile(path.join(dir, 'none.dmp')), /^CliFailure: No dump at .*none\.dmp: give the path of a dump/);
    assert.throws(() => checkDumpFile(dir), /is a folder, not a dump file: give the path of a dump/);
    fs.writeFileSync(path.join(dir, 'empty.dmp'), '');
    assert.throws(() => checkDumpFile(path.join(dir, 'empty.dmp')), /is empty: the capture that wrote it did not finish/);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    assert.throws(() => checkDumpFile(path.join(dir, 'notes.txt')), /is not a core dump \(no ELF, minidump or Mach-O header\)/);
  });

  it('accepts an ELF core and a minidump by their first bytes', () => {
    fs.writeFileSync(path.join(dir, 'core'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]));
    fs.writeFileSync(path.join(dir, 'mini.dmp'), 'MDMP....');
    assert.strictEqual(checkDumpFile(path.join(dir, 'core')), path.join(dir, 'core'));
    assert.strictEqual(checkDumpFile(path.join(dir, 'mini.dmp')), path.join(dir, 'mini.dmp'));
  });
});
