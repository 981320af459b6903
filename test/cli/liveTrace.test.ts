// `heaplens monitor` and `heaplens allocations` on real processes through EventPipe sessions (issue 13): the
// Allocations fixture makes OrderLine and AuditRecord (same size) at two marked lines, 3 : 1, and keeps
// RetainedBytes every PauseMs, so its heap grows; it also makes Pool<OrderLine>.Slot objects (a nested type of a
// generic type) at a third marked line and keeps one per batch. Every way a session ends is checked: --seconds, Ctrl-C, the
// process killed mid-stream, and a process with diagnostics disabled.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { cleanupDumps, makeDumpDir } from '../support/dumps';
import { fixtureSource, markedLine, readConstant, RunningFixture } from '../support/fixtures';
import { AllocationReport } from '../../src/protocol/agent';
import { assertOneLineFailure, runCli, startCli, waitFor } from './runCli';

const source = fixtureSource('Allocations');
const orders = readConstant(source, 'OrdersPerBatch');
const audits = readConstant(source, 'AuditsPerBatch');
const retained = readConstant(source, 'RetainedBytes');
const pauseMs = readConstant(source, 'PauseMs');

/** The CLI's --json shape: the agent's report, with `sampling` in words. */
type Report = Omit<AllocationReport, 'sampling' | 'samplingText'> & { sampling: string };

/** The processes whose parent is pid (from /proc). */
function childPids(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Alive and not a zombie (a killed agent whose exit nobody has reaped yet is gone for our purpose). */
function isRunning(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

const MONITOR_KEYS = ['allocatedBytesPerSecond', 'gcCounts', 'gcHeapBytes', 'gen0Bytes', 'gen1Bytes', 'gen2Bytes', 'lohBytes', 'pohBytes', 'time', 'workingSetBytes'];

describe('heaplens monitor and allocations (EventPipe)', function () {
  this.timeout(240_000);
  let app: RunningFixture;
  before(async () => {
    app = await RunningFixture.start('Allocations');
  });
  after(async () => {
    await app?.stop();
    cleanupDumps();
  });

  it('allocations --json: both types at their marked lines, in the constructed 3 : 1 ratio within sampling error', async () => {
    const run = await runCli(['allocations', String(app.pid), '--seconds', '8', '--json']);
    assert.strictEqual(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepStrictEqual(Object.keys(report).sort(), ['samples', 'sampling', 'seconds', 'types']);
    assert.match(report.sampling, /^AllocationSampled/, '.NET 10 has the unbiased sampling');
    const order = report.types.find((t) => t.name === 'Allocations.OrderLine');
    const audit = report.types.find((t) => t.name === 'Allocations.AuditRecord');
    assert.ok(order && audit, `types: ${report.types.map((t) => t.name).join(', ')}`);
    for (const [type, marker] of [
      [order, 'alloc-order'],
      [audit, 'alloc-audit'],
    ] as const) {
      const site = type.sites[0];
      assert.ok(site.file?.endsWith('Allocations/Program.cs'), `${type.name} site ${JSON.stringify(site)}`);
      assert.strictEqual(site.line, markedLine(source, marker), `${type.name} is allocated at its marked line`);
      assert.ok(site.share > 0.95, `one site makes ${type.name}: share ${site.share}`);
      assert.match(site.stack[site.stack.length - 1], new RegExp(`Program\\.cs:${site.line}\\)$`));
    }
    // Both types have the same size, so bytes are in the ratio of the counts: OrderLine is 3/4.
    const expected = orders / (orders + audits);
    const share = order.estimatedBytes / (order.estimatedBytes + audit.estimatedBytes);
    const n = order.samples + audit.samples;
    const sigma = Math.sqrt((expected * (1 - expected)) / n);
    assert.ok(n >= 100, `${n} samples`);
    assert.ok(Math.abs(share - expected) < 4 * sigma + 0.02, `OrderLine share ${share.toFixed(3)} vs ${expected} (${n} samples, sigma ${sigma.toFixed(3)})`);
  });

  it('allocations --type: only that type', async () => {
    const run = await runCli(['allocations', String(app.pid), '--seconds', '3', '--type', 'Allocations.AuditRecord', '--json']);
    assert.strictEqual(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepStrictEqual(report.types.map((t) => t.name), ['Allocations.AuditRecord']);
  });

  it('allocations names types in the heap\'s syntax, a nested type as far as the runtime names it, and the heap commands find it', async () => {
    // The runtime's events say "Slot[Allocations.OrderLine]" for Pool<OrderLine>.Slot: its own name and arguments only.
    const full = 'Allocations.Pool<Allocations.OrderLine>+Slot';
    const sampled = 'Slot<Allocations.OrderLine>';
    // --type takes the heap's full name (as stats prints it) and finds the samples of that type.
    const run = await runCli(['allocations', String(app.pid), '--seconds', '4', '--type', full, '--json']);
    assert.strictEqual(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepStrictEqual(
      report.types.map((t) => t.name),
      [sampled],
    );
    assert.strictEqual(report.types[0].sites[0].line, markedLine(source, 'alloc-slot'));
    // The printed name pasted into a heap command: it says which heap type that is, and that name finds the kept slots.
    const dump = path.join(makeDumpDir('heaplens-cli-slots-'), 'slots.dmp');
    assert.strictEqual((await runCli(['capture', String(app.pid), '--out', dump])).code, 0);
    const pasted = await runCli(['instances', dump, '--type', sampled]);
    assertOneLineFailure(pasted, 1, new RegExp(`Did you mean "${full.replace(/[.<>+]/g, '\\$&')}"\\?`));
    const instances = await runCli(['instances', dump, '--type', full, '--json']);
    assert.strictEqual(instances.code, 0, instances.stderr);
    assert.ok((JSON.parse(instances.stdout) as { count: number }).count >= 1, instances.stdout);
    // A name in the runtime's syntax (typeof(List<Pool<OrderLine>.Slot>).FullName) is the same type: the one s_slots list.
    const reflection =
      'System.Collections.Generic.List`1[[Allocations.Pool`1+Slot[[Allocations.OrderLine, Allocations, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null]], Allocations, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null]]';
    const list = await runCli(['instances', dump, '--type', reflection, '--json']);
    assert.strictEqual(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout) as { type: string; count: number };
    assert.deepStrictEqual([listed.type, listed.count], [`System.Collections.Generic.List<${full}>`, 1]);
  });

  it('monitor --json --seconds: one object a line with exactly the documented keys, and the heap grows', async () => {
    const run = await runCli(['monitor', String(app.pid), '--seconds', '6', '--json']);
    assert.strictEqual(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { gcHeapBytes: number; time: string });
    assert.ok(lines.length >= 3, `${lines.length} lines in 6 s`);
    for (const line of lines) {
      assert.deepStrictEqual(Object.keys(line).sort(), MONITOR_KEYS);
      assert.deepStrictEqual(Object.keys(line.gcCounts as object).sort(), ['gen0', 'gen1', 'gen2']);
      assert.ok(!Number.isNaN(Date.parse(line.time)));
      // Every line is a sample of the heap: no empty first line before the runtime's first real round.
      assert.strictEqual(typeof line.gcHeapBytes, 'number', JSON.stringify(line));
    }
    const first = lines[0];
    const last = lines[lines.length - 1];
    const seconds = (Date.parse(last.time) - Date.parse(first.time)) / 1000;
    // The fixture keeps RetainedBytes every PauseMs (plus its sleep's drift): at least half of that must show.
    const kept = (retained * (1000 / pauseMs) * seconds) / 2;
    assert.ok(last.gcHeapBytes - first.gcHeapBytes > kept, `heap ${first.gcHeapBytes} → ${last.gcHeapBytes} in ${seconds} s, expected growth > ${kept}`);
  });

  it('monitor text, stopped with Ctrl-C: exit 130 at once, no hang', async () => {
    const cli = startCli(['monitor', String(app.pid)]);
    let out = '';
    cli.child.stdout!.on('data', (s: string) => (out += s));
    await waitFor('a counter line', () => /GC heap .* working set/.test(out), 60_000, 100);
    const interrupted = Date.now();
    cli.child.kill('SIGINT');
    const run = await cli.done;
    assert.strictEqual(run.code, 130, run.stderr);
    assert.match(run.stderr, /Interrupted: monitoring stopped\./);
    assert.ok(Date.now() - interrupted < 10_000, 'ends within seconds of the interrupt');
  });

  it('monitor --json | head -1: the reader closing the pipe ends it quietly, exit 0, agent gone', async () => {
    const cli = startCli(['monitor', String(app.pid), '--json']);
    let out = '';
    cli.child.stdout!.on('data', (s: string) => (out += s));
    await waitFor('a counter line', () => out.includes('gcHeapBytes'), 60_000, 100);
    const agents = childPids(cli.child.pid!);
    assert.ok(agents.length > 0, 'the CLI runs its agent as a child');
    cli.child.stdout!.destroy(); // what `head` does after its first line
    const run = await cli.done;
    assert.strictEqual(run.code, 0, run.stderr);
    assert.strictEqual(run.stderr, '', 'no stack trace, no message: the reader chose to stop');
    // Killed as on Ctrl-C: it is gone within seconds (the signal is not waited for).
    await waitFor('the agent to exit', () => agents.every((pid) => !isRunning(pid)), 10_000, 100);
  });

  it('monitor of a process killed mid-stream ends with a clear message', async () => {
    const doomed = await RunningFixture.start('Allocations');
    try {
      const cli = startCli(['monitor', String(doomed.pid), '--json']);
      let out = '';
      cli.child.stdout!.on('data', (s: string) => (out += s));
      await waitFor('a counter line', () => out.includes('gcHeapBytes'), 60_000, 100);
      process.kill(doomed.pid, 'SIGKILL');
      const run = await cli.done;
      assert.strictEqual(run.code, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`^heaplens: Process ${doomed.pid} exited; the session ended\\. \\(\\d+ samples?\\)\\n$`));
    } finally {
      await doomed.stop();
    }
  });

  it('a process with DOTNET_EnableDiagnostics=0: exit 1, says so', async () => {
    const closed = await RunningFixture.start('Allocations', { DOTNET_EnableDiagnostics: '0' });
    try {
      assertOneLineFailure(await runCli(['monitor', String(closed.pid), '--seconds', '2']), 1, /runs with DOTNET_EnableDiagnostics=0/);
      assertOneLineFailure(await runCli(['allocations', String(closed.pid), '--seconds', '2']), 1, /runs with DOTNET_EnableDiagnostics=0/);
    } finally {
      await closed.stop();
    }
  });
});
