// The CI gate: `heaplens diff --fail-on` limits (parsed and checked), exit code 3 with one line naming each type
// that broke its limit, --json's gate object, and --sarif on diff. End to end on dumps of the Chain fixture
// before and after one "grow"; expected growth comes from Chain/Program.cs.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseCommandLine, UsageError } from '../../src/cli/args';
import { checkGate, GateResult, parseFailOn } from '../../src/cli/failOn';
import { HeapDiff } from '../../src/protocol/agent';
import { captureFixture, cleanupDumps, makeDumpDir } from '../support/dumps';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';
import { assertSarifShape } from './inspectSupport';
import { runCli } from './runCli';

const source = fixtureSource('Chain');
const InitialCount = readConstant(source, 'InitialCount');
const GrowBy = readConstant(source, 'GrowBy');
const PayloadBytes = readConstant(source, 'PayloadBytes');

describe('--fail-on limits', () => {
  it('reads counts, sizes with units, wildcards, and several limits at once', () => {
    assert.deepStrictEqual(parseFailOn(['Chain.Leak>+100']), [{ text: 'Chain.Leak>+100', pattern: 'Chain.Leak', measure: 'count', limit: 100 }]);
    assert.deepStrictEqual(
      parseFailOn(['System.Byte[]>+10MB', 'MyApp.*>+1.5 KB', 'X>+0B']).map((l) => [l.pattern, l.measure, l.limit]),
      [
        ['System.Byte[]', 'bytes', 10 * 1024 * 1024],
        ['MyApp.*', 'bytes', 1536],
        ['X', 'bytes', 0],
      ],
    );
    // Commas inside a generic type's <…> belong to the name; the others separate limits.
    assert.deepStrictEqual(
      parseFailOn(['System.Collections.Generic.Dictionary<System.String, List<A>>>+5, System.Byte[]>+1kb']).map((l) => [l.pattern, l.measure, l.limit]),
      [
        ['System.Collections.Generic.Dictionary<System.String, List<A>>', 'count', 5],
        ['System.Byte[]', 'bytes', 1024],
      ],
    );
  });

  it('turns a malformed limit into a usage error of diff that shows the syntax', () => {
    const usage = (limit: string, pattern: RegExp) =>
      assert.throws(
        () => parseCommandLine(['diff', 'a', 'b', '--fail-on', limit]),
        (err: Error) => err instanceof UsageError && err.command === 'diff' && pattern.test(err.message) && /TYPE>\+COUNT/.test(err.message),
        limit,
      );
    usage('Chain.Leak>100', /put a plus sign before it/);
    usage('Chain.Leak', /is not a limit/);
    usage('>+5', /names no type/);
    usage('X>+5 TB', /unknown unit "TB"/);
    usage('X>+1.5', /a count of objects is a whole number/);
    usage('A>+1,,B>+2', /has an empty limit/);
  });

  it('checks each type a pattern matches on its own; growth equal to the limit passes', () => {
    const diff: Pick<HeapDiff, 'types'> = {
      types: [
        { name: 'App.Order', before: { count: 10, bytes: 100, retainedBytes: 100 }, after: { count: 15, bytes: 150, retainedBytes: 150 } },
        { name: 'App.Line', before: { count: 0, bytes: 0, retainedBytes: 0 }, after: { count: 3, bytes: 3000, retainedBytes: 3000 } },
      ],
    };
    const gate = (limit: string): GateResult => checkGate(diff, parseFailOn([limit]));
    assert.strictEqual(gate('App.Order>+5').passed, true);
    assert.deepStrictEqual(gate('App.*>+4').breaches.map((b) => [b.type, b.growth]), [['App.Order', 5]]);
    assert.deepStrictEqual(gate('App.*>+2KB').breaches.map((b) => [b.type, b.growth, b.allowed]), [['App.Line', 3000, 2048]]);
    assert.deepStrictEqual(gate('Nope>+1').unmatched, ['Nope>+1']);
  });
});

describe('heaplens diff as a leak gate (Chain fixture)', function () {
  this.timeout(300_000);
  let beforeDump: string;
  let afterDump: string;
  let chainPid: number;

  before(async () => {
    const chain = await RunningFixture.start('Chain');
    chainPid = chain.pid;
    try {
      beforeDump = await captureFixture(chain);
      await chain.grow();
      afterDump = await captureFixture(chain);
    } finally {
      await chain.stop();
    }
  });
  after(() => cleanupDumps());

  it('exits 3 when Chain.Leak grew by more than its limit, and says so in one line', async () => {
    const run = await runCli(['diff', beforeDump, afterDump, '--fail-on', `Chain.Leak>+${GrowBy - 1}`]);
    assert.strictEqual(run.code, 3, run.stderr);
    assert.match(run.stdout, /Chain\.Leak$/m, 'the diff is still printed');
    const lines = run.stderr.split('\n').filter(Boolean);
    assert.deepStrictEqual(lines, [
      `heaplens: Leak gate failed: 1 heap type grew past its limit: Chain.Leak grew by ${GrowBy} objects ` +
        `(${InitialCount.toLocaleString('en-US')} → ${(InitialCount + GrowBy).toLocaleString('en-US')}; limit +${GrowBy - 1}).`,
    ]);
  });

  it('warns when the two snapshots come from two processes, and not when they come from one', async () => {
    const same = await runCli(['diff', beforeDump, afterDump]);
    assert.strictEqual(same.code, 0, same.stderr);
    assert.strictEqual(same.stderr, '', 'one process: no warning');
    const other = await RunningFixture.start('Chain');
    let otherDump: string;
    try {
      otherDump = await captureFixture(other);
    } finally {
      await other.stop();
    }
    const run = await runCli(['diff', beforeDump, otherDump, '--json']);
    assert.strictEqual(run.code, 0, run.stderr);
    assert.ok(JSON.parse(run.stdout).types, 'the diff is still given');
    assert.deepStrictEqual(run.stderr.split('\n').filter(Boolean), [
      `heaplens: warning: the snapshots are of two processes (pid ${chainPid} in <before>, pid ${other.pid} in <after>): the diff compares two runs, not what one process grew by. Capture both snapshots from the same process.`,
    ]);
  });

  it('passes (exit 0) when the growth is within the limits, and says which limits held', async () => {
    const run = await runCli(['diff', beforeDump, afterDump, '--fail-on', `Chain.Leak>+${GrowBy}`, '--fail-on', 'System.Byte[]>+10MB']);
    assert.strictEqual(run.code, 0, run.stderr);
    assert.strictEqual(run.stderr, '');
    assert.match(run.stdout, new RegExp(`^Leak gate passed: no heap type grew past the limits \\(Chain\\.Leak>\\+${GrowBy}, System\\.Byte\\[\\]>\\+10MB\\)\\.$`, 'm'));
  });

  it('limits bytes too, and lists every broken limit', async () => {
    // Each new link owns a byte[PayloadBytes]: the arrays grew by more than GrowBy × PayloadBytes bytes.
    const run = await runCli(['diff', beforeDump, afterDump, '--fail-on', `System.Byte[]>+${GrowBy * PayloadBytes - 1}B,Chain.*>+0`]);
    assert.strictEqual(run.code, 3, run.stderr);
    const lines = run.stderr.split('\n').filter(Boolean);
    assert.strictEqual(lines.length, 1, run.stderr);
    assert.match(lines[0], /^heaplens: Leak gate failed: 2 heap types grew past their limits: Chain\.Leak grew by \d+ objects .*; System\.Byte\[\] grew by [\d.]+ KB \(.* → .*; limit \+[\d.]+ KB\)\.$/);
  });

  it('--json adds the gate: limits, breaches with their figures, and unmatched patterns', async () => {
    const run = await runCli(['diff', beforeDump, afterDump, '--json', '--fail-on', `Chain.Leak>+0,Chian.Leak>+1`]);
    assert.strictEqual(run.code, 3);
    const result = JSON.parse(run.stdout) as { types: unknown[]; gate: GateResult };
    assert.ok(result.types.length > 0);
    assert.strictEqual(result.gate.passed, false);
    assert.deepStrictEqual(result.gate.limits, ['Chain.Leak>+0', 'Chian.Leak>+1']);
    assert.deepStrictEqual(result.gate.breaches, [
      { type: 'Chain.Leak', limit: 'Chain.Leak>+0', measure: 'count', allowed: 0, growth: GrowBy, before: InitialCount, after: InitialCount + GrowBy },
    ]);
    assert.deepStrictEqual(result.gate.unmatched, ['Chian.Leak>+1']);
    // A limit that matches nothing is a warning (a typo would otherwise pass silently).
    assert.match(run.stderr, /^heaplens: warning: --fail-on "Chian\.Leak>\+1" matches no heap type in either snapshot/m);
  });

  it('--sarif writes the insights of <after> and each broken limit as an error result', async () => {
    const file = path.join(makeDumpDir(), 'gate.sarif');
    const run = await runCli(['diff', beforeDump, afterDump, '--fail-on', 'Chain.Leak>+0', '--sarif', file]);
    assert.strictEqual(run.code, 3, run.stderr);
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
    const results = assertSarifShape(JSON.parse(fs.readFileSync(file, 'utf8')));
    const growth = results.filter((r) => r.ruleId === 'heap-growth');
    assert.strictEqual(growth.length, 1);
    assert.strictEqual(growth[0].level, 'error');
    assert.match((growth[0].message as { text: string }).text, new RegExp(`^Chain\\.Leak grew by ${GrowBy} objects .*--fail-on "Chain\\.Leak>\\+0"\\.$`));
    assert.deepStrictEqual(growth[0].properties, { type: 'Chain.Leak', measure: 'count', growth: GrowBy, allowed: 0, before: InitialCount, after: InitialCount + GrowBy });
    assert.ok(results.some((r) => r.ruleId === 'threads'), 'the insights of the later snapshot are there too');
  });
});
