// The agent against the Events fixture: subscribers kept alive by an event of a publisher held by a static field.
import * as assert from 'assert';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { captureFixture } from '../support/dumps';
import { startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const source = fixtureSource('Events');
const InitialCount = readConstant(source, 'InitialCount');
const GrowBy = readConstant(source, 'GrowBy');

describe('agent: Events (handlers never removed from a static publisher)', function () {
  let fixture: RunningFixture;
  let agent: AgentClient;
  let earlier: wire.SnapshotInfo;
  let later: wire.SnapshotInfo;

  before(async function () {
    fixture = await RunningFixture.start('Events');
    const first = await captureFixture(fixture);
    await fixture.grow();
    const second = await captureFixture(fixture);
    agent = startAgent();
    [earlier, later] = await Promise.all([agent.open({ path: first }), agent.open({ path: second })]);
  });

  stopAfterSuite(() => ({ agent, fixture }));

  it('counts InitialCount subscribers, then GrowBy more', async function () {
    const first = await agent.instances({ snapshotId: earlier.snapshotId, type: 'Events.Subscriber', limit: 0 });
    assert.strictEqual(first.count, InitialCount);
    assert.deepStrictEqual(first.instances, []);
    const diff = await agent.diff({ before: earlier.snapshotId, after: later.snapshotId });
    const subscriber = diff.types.find((t) => t.name === 'Events.Subscriber');
    assert.strictEqual(subscriber?.before.count, InitialCount);
    assert.strictEqual(subscriber?.after.count, InitialCount + GrowBy);
  });

  it('traces a subscriber to the static Events.Program.Bus through the event and its invocation list', async function () {
    const { instances } = await agent.instances({ snapshotId: later.snapshotId, type: 'Events.Subscriber', limit: 1 });
    const { paths } = await agent.roots({ snapshotId: later.snapshotId, address: instances[0].address });
    assert.ok(paths.length > 0, 'a subscriber is retained');
    // The program holds subscribers only through Program.Bus: no stack, no handle (the runtime's statics array
    // is reported as the static it stores, not as a handle to an object[]).
    assert.deepStrictEqual(
      paths.map((p) => p.root),
      [{ kind: 'static', field: 'Events.Program.Bus' }],
    );
    const links = paths[0].links;
    assert.strictEqual(links[0].type, 'Events.Publisher');
    assert.strictEqual(links[0].field, null);
    const fields = links.slice(1).map((l) => l.field);
    assert.strictEqual(fields[0], 'Changed', `fields ${fields.join(' → ')}`);
    assert.ok(fields.includes('_invocationList'), `fields ${fields.join(' → ')}`);
    assert.ok(fields.some((f) => /^\[\d+\]$/.test(f ?? '')), `an array element among ${fields.join(' → ')}`);
    assert.strictEqual(fields[fields.length - 1], '_target');
    assert.strictEqual(links[links.length - 1].address, instances[0].address);
    assert.strictEqual(links[links.length - 1].type, 'Events.Subscriber');
  });

  it('names the invocation-list element that holds a given subscriber', async function () {
    // Walk forward from the publisher to the handler at a known position, then ask for its subscriber's path.
    const position = 5;
    const { instances } = await agent.instances({ snapshotId: earlier.snapshotId, type: 'Events.Publisher', limit: 1 });
    const field = (obj: wire.HeapObject, name: string) => {
      const found = obj.fields.find((f) => f.name === name);
      assert.ok(found?.address, `${obj.type} has no reference ${name}`);
      return found.address;
    };
    const object = (address: string) => agent.object({ snapshotId: earlier.snapshotId, address });
    const publisher = await object(instances[0].address);
    const multicast = await object(field(publisher, 'Changed'));
    const list = await object(field(multicast, '_invocationList'));
    assert.strictEqual(list.type, 'System.Object[]');
    const handler = await object(field(list, `[${position}]`));
    const subscriber = field(handler, '_target');

    const { paths } = await agent.roots({ snapshotId: earlier.snapshotId, address: subscriber });
    assert.deepStrictEqual(
      paths[0].links.map((l) => l.field),
      [null, 'Changed', '_invocationList', `[${position}]`, '_target'],
    );
    assert.deepStrictEqual(
      paths[0].links.map((l) => l.address),
      [instances[0].address, multicast.address, list.address, handler.address, subscriber],
    );
  });

  it('groups every subscriber into one retention path from the static Events.Program.Bus, and gives one example', async function () {
    const groups = await agent.retentionGroups({ snapshotId: earlier.snapshotId, type: 'Events.Subscriber' });
    assert.strictEqual(groups.instances, InitialCount);
    assert.deepStrictEqual(groups.groups.map((g) => g.count), [InitialCount]);
    assert.deepStrictEqual(groups.groups[0].root, { kind: 'static', field: 'Events.Program.Bus' });
    assert.deepStrictEqual(groups.groups[0].links.map((l) => [l.type, l.field]), [
      ['Events.Publisher', null],
      ['System.EventHandler', 'Changed'],
      ['System.Object[]', '_invocationList'],
      ['System.EventHandler', '[]'],
      ['Events.Subscriber', '_target'],
    ]);
    const { paths } = await agent.roots({ snapshotId: earlier.snapshotId, type: 'Events.Subscriber', max: 5 });
    assert.strictEqual(paths.length, 1, 'one group, one example path');
    assert.strictEqual(paths[0].root.field, 'Events.Program.Bus');
    assert.strictEqual(paths[0].links[paths[0].links.length - 1].address, groups.groups[0].example);
  });
});
