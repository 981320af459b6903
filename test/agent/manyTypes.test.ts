// The agent against the ManyTypes fixture: thousands of heap types, asked for a page at a time. heap/stats and
// heap/diff must return exactly the requested page of the sorted, filtered list and say how many types matched.
import * as assert from 'assert';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { captureFixture } from '../support/dumps';
import { startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const source = fixtureSource('ManyTypes');
const TypeCount = readConstant(source, 'TypeCount');
const GrowTypes = readConstant(source, 'GrowTypes');
/** Every Box type, in any letter case: the filter ignores case. */
const BOX_FILTER = 'mAnYtYpEs.BoX<';
/** Box types whose first type argument is D3: numbers i with Math.floor(i / 1000) % 10 === 3. */
const D3_FILTER = 'Box<ManyTypes.D3, ';
const boxNumbers = Array.from({ length: TypeCount }, (_, i) => i);
const d3Count = boxNumbers.filter((i) => Math.floor(i / 1000) % 10 === 3).length;
/** Type i has 1 + i % 3 instances. */
const boxObjects = boxNumbers.reduce((sum, i) => sum + 1 + (i % 3), 0);

describe('agent: ManyTypes (thousands of heap types, paged)', function () {
  let fixture: RunningFixture;
  let agent: AgentClient;
  let older: wire.SnapshotInfo;
  let newer: wire.SnapshotInfo;

  before(async function () {
    fixture = await RunningFixture.start('ManyTypes');
    const first = await captureFixture(fixture);
    await fixture.grow();
    const second = await captureFixture(fixture);
    agent = startAgent();
    older = await agent.open({ path: first });
    newer = await agent.open({ path: second });
  });

  stopAfterSuite(() => ({ agent, fixture }));

  it('counts every type in totalTypes and returns only `top` of them', async function () {
    const all = await agent.stats({ snapshotId: older.snapshotId });
    assert.ok(all.totalTypes >= TypeCount, `totalTypes ${all.totalTypes}`);
    assert.strictEqual(all.types.length, all.totalTypes);
    const page = await agent.stats({ snapshotId: older.snapshotId, top: 50 });
    assert.strictEqual(page.totalTypes, all.totalTypes);
    assert.deepStrictEqual(page.types, all.types.slice(0, 50));
  });

  it('filters by type name, ignoring case, over all types', async function () {
    const boxes = await agent.stats({ snapshotId: older.snapshotId, filter: BOX_FILTER });
    assert.strictEqual(boxes.totalTypes, TypeCount);
    assert.strictEqual(boxes.types.length, TypeCount);
    assert.strictEqual(
      boxes.types.reduce((sum, t) => sum + t.count, 0),
      boxObjects,
    );
    const d3 = await agent.stats({ snapshotId: older.snapshotId, filter: D3_FILTER, top: 10 });
    assert.strictEqual(d3.totalTypes, d3Count);
    assert.strictEqual(d3.types.length, 10);
    for (const t of d3.types) assert.ok(t.name.includes(D3_FILTER), t.name);
    const none = await agent.stats({ snapshotId: older.snapshotId, filter: 'no heap type is called this' });
    assert.deepStrictEqual([none.totalTypes, none.types], [0, []]);
  });

  it('pages through the filtered list: consecutive pages are consecutive slices, the last one short', async function () {
    for (const sort of ['bytes', 'count'] as const) {
      const all = await agent.stats({ snapshotId: older.snapshotId, filter: BOX_FILTER, sort });
      const pageSize = 777;
      const pages: wire.TypeStat[] = [];
      for (let offset = 0; offset < TypeCount; offset += pageSize) {
        const page = await agent.stats({ snapshotId: older.snapshotId, filter: BOX_FILTER, sort, offset, top: pageSize });
        assert.strictEqual(page.totalTypes, TypeCount);
        assert.strictEqual(page.types.length, Math.min(pageSize, TypeCount - offset), `page at ${offset} by ${sort}`);
        pages.push(...page.types);
      }
      assert.deepStrictEqual(pages, all.types, `pages by ${sort}`);
      const past = await agent.stats({ snapshotId: older.snapshotId, filter: BOX_FILTER, sort, offset: TypeCount, top: pageSize });
      assert.deepStrictEqual([past.totalTypes, past.types], [TypeCount, []]);
    }
  });

  it('sorts by count: the types with three instances come first', async function () {
    const page = await agent.stats({ snapshotId: older.snapshotId, filter: BOX_FILTER, sort: 'count', top: 100 });
    for (const t of page.types) assert.strictEqual(t.count, 3, t.name);
  });

  it('pages, filters and sorts heap/diff the same way', async function () {
    const all = await agent.diff({ before: older.snapshotId, after: newer.snapshotId, filter: BOX_FILTER });
    assert.strictEqual(all.totalTypes, TypeCount);
    const grown = all.types.filter((t) => t.after.count > t.before.count);
    assert.strictEqual(grown.length, GrowTypes);
    // By growth (the default) the grown types come first.
    assert.deepStrictEqual(all.types.slice(0, GrowTypes), grown);
    const page = await agent.diff({ before: older.snapshotId, after: newer.snapshotId, filter: BOX_FILTER, offset: 100, top: 25 });
    assert.strictEqual(page.totalTypes, TypeCount);
    assert.deepStrictEqual(page.types, all.types.slice(100, 125));
    const byCount = await agent.diff({ before: older.snapshotId, after: newer.snapshotId, filter: D3_FILTER, sort: 'count', top: 5 });
    assert.strictEqual(byCount.totalTypes, d3Count);
    assert.strictEqual(byCount.types.length, 5);
    const counts = byCount.types.map((t) => t.after.count);
    assert.deepStrictEqual(counts, [...counts].sort((a, b) => b - a));
  });

  it('refuses a negative offset or an unknown sort with a clear error', async function () {
    await assert.rejects(agent.stats({ snapshotId: older.snapshotId, offset: -1 }), /offset must be zero or more/);
    await assert.rejects(
      agent.diff({ before: older.snapshotId, after: newer.snapshotId, sort: 'name' as 'bytes' }),
      /sort must be "growth", "bytes", "count" or "retained"/,
    );
  });
});
