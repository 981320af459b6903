// loh-fragmentation on the LohFragmentation fixture: every other large array dropped, leaving holes in the LOH.
// Expected figures come from LohFragmentation/Program.cs.
import * as assert from 'assert';
import { fixtureSource, readConstant } from '../support/fixtures';
import { assertWellFormed, insightRun, ofKind } from './insightsSupport';

const source = fixtureSource('LohFragmentation');
const Arrays = readConstant(source, 'Arrays');
const ArrayBytes = readConstant(source, 'ArrayBytes');

describe('insights: loh-fragmentation (LohFragmentation fixture)', function () {
  const run = insightRun('LohFragmentation');

  it('reports the free space the dropped arrays left and the arrays that survive', function () {
    assertWellFormed(run.alone);
    const found = ofKind(run.alone, 'loh-fragmentation');
    assert.strictEqual(found.length, 1);
    const [loh] = found;
    const dropped = Arrays / 2;
    const free = Number(loh.figures.lohFreeBytes);
    const live = Number(loh.figures.lohLiveBytes);
    // Each hole is one dropped array (its header and padding included), never merged with another: a survivor
    // lies between any two of them.
    assert.ok(free >= dropped * ArrayBytes && free <= dropped * (ArrayBytes + 256), `free ${free}`);
    assert.ok(live >= (Arrays - dropped) * ArrayBytes && live <= (Arrays - dropped) * (ArrayBytes + 256) + 1024 * 1024, `live ${live}`);
    assert.ok(Number(loh.figures.freeBlocks) >= dropped, `free blocks ${loh.figures.freeBlocks}`);
    assert.strictEqual(loh.figures.largestType, 'System.Byte[]');
    assert.ok(Number(loh.figures.fragmentationPercent) >= 40, `percent ${loh.figures.fragmentationPercent}`);
    assert.strictEqual(loh.severity, 'warning');
  });

  it('its sample addresses are surviving arrays of ArrayBytes', async function () {
    const [loh] = ofKind(run.alone, 'loh-fragmentation');
    for (const address of loh.addresses ?? []) {
      const array = await run.agent.object({ snapshotId: run.after.snapshotId, address });
      assert.strictEqual(array.type, 'System.Byte[]');
      assert.strictEqual(array.length, ArrayBytes);
    }
  });
});
