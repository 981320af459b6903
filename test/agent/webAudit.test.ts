// The agent against the WebAudit fixture: an ASP.NET Core service (server GC, DATAS) whose static audit list only
// grows. Its statics sit in a bucket whose handle the .NET 10 debugging library does not walk, so the static list
// must count as live because it is a static, not because a handle was seen.
import * as assert from 'assert';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { captureFixture } from '../support/dumps';
import { startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const source = fixtureSource('WebAudit');
const InitialCount = readConstant(source, 'InitialCount');
const PayloadBytes = readConstant(source, 'PayloadBytes');
const Entry = 'WebAudit.AuditEntry';

describe('agent: WebAudit (an ASP.NET Core service with a static list that only grows)', function () {
  let fixture: RunningFixture;
  let agent: AgentClient;
  let snapshot: wire.SnapshotInfo;

  before(async function () {
    fixture = await RunningFixture.start('WebAudit');
    const dump = await captureFixture(fixture);
    agent = startAgent();
    snapshot = await agent.open({ path: dump });
  });

  stopAfterSuite(() => ({ agent, fixture }));

  it('counts every audit entry as live: none is unreachable', async function () {
    const live = await agent.stats({ snapshotId: snapshot.snapshotId });
    assert.strictEqual(live.types.find((t) => t.name === Entry)?.count, InitialCount);
    const all = await agent.stats({ snapshotId: snapshot.snapshotId, all: true });
    assert.strictEqual(all.types.find((t) => t.name === Entry)?.count, InitialCount, 'no entry is left among the unreachable');
  });

  it('gives the entries their own bytes and their payloads as retained bytes', async function () {
    const stats = await agent.stats({ snapshotId: snapshot.snapshotId });
    const entries = stats.types.find((t) => t.name === Entry)!;
    const { instances } = await agent.instances({ snapshotId: snapshot.snapshotId, type: Entry, limit: 1 });
    const entry = await agent.object({ snapshotId: snapshot.snapshotId, address: instances[0].address });
    const payload = await agent.object({ snapshotId: snapshot.snapshotId, address: entry.fields.find((f) => f.name.includes('Payload'))!.address! });
    assert.strictEqual(payload.length, PayloadBytes);
    // Each entry alone holds its payload: the type retains its own bytes plus InitialCount payloads.
    assert.strictEqual(entries.retainedBytes, entries.bytes + InitialCount * payload.size);
  });

  it('traces every entry to the static WebAudit.AuditLog.Recent in one retention group', async function () {
    const groups = await agent.retentionGroups({ snapshotId: snapshot.snapshotId, type: Entry });
    assert.strictEqual(groups.instances, InitialCount);
    assert.deepStrictEqual(groups.groups.map((g) => g.count), [InitialCount]);
    assert.deepStrictEqual(groups.groups[0].root, { kind: 'static', field: 'WebAudit.AuditLog.Recent' });
    assert.deepStrictEqual(groups.groups[0].links.map((l) => l.field), [null, '_items', '[]']);
  });

  it('names the list as the biggest retainer among the dominators, held by the static', async function () {
    const top = await agent.dominators({ snapshotId: snapshot.snapshotId, top: 5 });
    const list = top.items.find((i) => i.type === `System.Collections.Generic.List<${Entry}>`);
    assert.ok(list, JSON.stringify(top.items.map((i) => i.type)));
    assert.deepStrictEqual(list.root, { kind: 'static', field: 'WebAudit.AuditLog.Recent' });
    assert.ok(list.retainedObjects >= 2 * InitialCount, `${list.retainedObjects} objects retained`);
  });
});
