// Collect before capture (issue 9, item 2): `heaplens capture` runs a full blocking GC in the process first, so
// objects the program dropped just before are not in the snapshot; `--no-gc` captures them as they are.
// The Dropped fixture keeps KeptCount Order objects and has just dropped DroppedCount Receipt objects.
// `stats --all` counts every object in the dump, reachable or not (plain `stats` counts live ones only), so the
// dropped objects show there exactly when the capture kept them.
import * as assert from 'assert';
import * as path from 'path';
import { cleanupDumps, makeDumpDir } from '../support/dumps';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';
import { runCli, runJson } from './runCli';

interface Stats {
  types: Array<{ name: string; count: number }>;
}

const source = fixtureSource('Dropped');
const kept = readConstant(source, 'KeptCount');
const dropped = readConstant(source, 'DroppedCount');

function count(stats: Stats, name: string): number {
  return stats.types.find((t) => t.name === name)?.count ?? 0;
}

describe('heaplens capture collects garbage first', function () {
  this.timeout(180_000);
  let app: RunningFixture;
  before(async () => {
    app = await RunningFixture.start('Dropped');
  });
  after(async () => {
    await app?.stop();
    cleanupDumps();
  });

  it('--no-gc keeps the objects dropped before the capture, and says so', async () => {
    // First, while the garbage is still there: the default capture below collects it.
    const out = path.join(makeDumpDir(), 'as-is.dmp');
    const run = await runCli(['capture', String(app.pid), '--no-gc', '--out', out]);
    assert.strictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, /without a garbage collection first \(--no-gc\), so it also holds garbage/);
    const stats = await runJson<Stats>(['stats', out, '--all']);
    assert.strictEqual(count(stats, 'Dropped.Order'), kept);
    assert.strictEqual(count(stats, 'Dropped.Receipt'), dropped);
    // They are there, but dead: live statistics leave them out.
    assert.strictEqual(count(await runJson<Stats>(['stats', out]), 'Dropped.Receipt'), 0);
  });

  it('the default capture has no dropped object left, and --json says it collected', async () => {
    await app.grow(); // DroppedCount more receipts of garbage
    const out = path.join(makeDumpDir(), 'collected.dmp');
    const result = await runJson<{ path: string; collected: boolean }>(['capture', String(app.pid), '--out', out]);
    assert.strictEqual(result.collected, true);
    const stats = await runJson<Stats>(['stats', out, '--all']);
    assert.strictEqual(count(stats, 'Dropped.Order'), kept);
    assert.strictEqual(count(stats, 'Dropped.Receipt'), 0);
  });

  it('a pid as <dump> is captured after a GC as well', async () => {
    await app.grow();
    const stats = await runJson<Stats>(['stats', String(app.pid), '--all']);
    assert.strictEqual(count(stats, 'Dropped.Order'), kept);
    assert.strictEqual(count(stats, 'Dropped.Receipt'), 0);
  });
});
