// `heaplens allocations` on a busy optimized program (the HotAllocations fixture): the allocating methods were
// compiled long before the session, so their code maps come from the rundown, which the first samples outrun, and
// their optimized IL maps are sparse. Every sample must still be charged to the allocating line, not to the caller.
import * as assert from 'assert';
import { AllocationReport } from '../../src/protocol/agent';
import { fixtureSource, markedLine, RunningFixture } from '../support/fixtures';
import { runCli } from './runCli';

const source = fixtureSource('HotAllocations');

describe('heaplens allocations on hot optimized methods', function () {
  this.timeout(240_000);
  let app: RunningFixture;
  before(async () => {
    app = await RunningFixture.start('HotAllocations');
    // Long enough for the tiered JIT to recompile both methods optimized before the session starts.
    await new Promise((r) => setTimeout(r, 3_000));
  });
  after(async () => {
    await app?.stop();
  });

  it('charges byte[] to Small and Large at their marked lines, with none left to their caller', async () => {
    const run = await runCli(['allocations', String(app.pid), '--seconds', '4', '--json']);
    assert.strictEqual(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as AllocationReport;
    const bytes = report.types.find((t) => t.name === 'System.Byte[]');
    assert.ok(bytes, `types: ${report.types.map((t) => t.name).join(', ')}`);
    const where = bytes.sites.map((s) => `${s.method} ${s.file}:${s.line} (${s.samples})`).join('; ');
    const site = (method: string) => bytes.sites.find((s) => s.method.startsWith(`HotAllocations.Program.${method}(`));
    const large = site('Large');
    const small = site('Small');
    assert.ok(large && small, where);
    assert.strictEqual(large.line, markedLine(source, 'alloc-large'), where);
    assert.strictEqual(small.line, markedLine(source, 'alloc-small'), where);
    assert.ok(large.file?.endsWith('HotAllocations/Program.cs') && small.file?.endsWith('HotAllocations/Program.cs'), where);
    // The worker allocates nothing else: every other byte[] sample would be the runtime's own, a handful at most.
    const work = bytes.sites.filter((s) => s.method.startsWith('HotAllocations.Program.Work('));
    assert.deepStrictEqual(work, [], `samples charged to the caller: ${where}`);
    assert.ok(large.samples + small.samples >= 0.95 * bytes.samples, where);
  });
});
