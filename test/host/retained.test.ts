// Host test: retained sizes, grouped retention paths and the Dominators view in a real VS Code, over the Events
// fixture captured by pid. From its construction (see the graph at the top of its Program.cs): the static Program.Bus
// holds one Publisher; its event Changed holds one multicast EventHandler whose invocation list (an object[]) holds
// InitialCount EventHandlers, each the only way to its Subscriber, which alone owns a byte[BufferBytes]. So:
// - the Subscribers retain themselves and their buffers: InitialCount × (Subscriber + byte[BufferBytes]);
// - their shortest paths all have one shape: one group of InitialCount, from the static Program.Bus, through _target;
// - the Publisher retains itself, the multicast handler, its invocation list and, per subscriber, a handler, the
//   subscriber and its buffer: 3 + 3 × InitialCount objects.
// Object sizes are read from the snapshot (one instance of each type); an array's size is 24 bytes plus its elements.
// Also: cancelling while the agent builds the tree (on a copy of the dump no view has opened) stops that request only.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as nodePath from 'path';
import * as vscode from 'vscode';
import type { HeapLensApi } from '../../src/extension';
import type { DominatorNode, DominatorsNode } from '../../src/features/dominators/nodes';
import type { HeapTypesNode, TypeNode } from '../../src/features/heapTypes/nodes';
import type { GroupNode, PathNode, RetentionNode, StepNode } from '../../src/features/retentionPaths/nodes';
import type { SummaryPanel } from '../../src/features/summary/summaryPanel';
import { CancellationSource } from '../../src/common/async';
import { formatBytes } from '../../src/common/numbers';
import type { SnapshotRecord } from '../../src/snapshots/snapshotStore';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';
import { children, heapLens, itemText, waitFor } from './hostSupport';

describe('Retained sizes, grouped paths and dominators (Events, captured by pid)', function () {
  this.timeout(300_000);
  const source = fixtureSource('Events');
  const initialCount = readConstant(source, 'InitialCount');
  const bufferBytes = readConstant(source, 'BufferBytes');
  let api: HeapLensApi;
  let fixture: RunningFixture;
  let record: SnapshotRecord;
  /** Sizes read from the snapshot. */
  let size: { subscriber: number; publisher: number; handler: number; invocationList: number; buffer: number };

  async function oneInstanceSize(type: string): Promise<number> {
    const page = await api.analysis.instances(record, type, 0, 1);
    assert.ok(page.instances.length === 1, `no live ${type}`);
    return page.instances[0].size;
  }

  async function subscriberRow(): Promise<TypeNode> {
    const rows = (await children(api.heapTypes)) as HeapTypesNode[];
    const row = rows.find((n): n is TypeNode => n.kind === 'type' && n.row.name === 'Events.Subscriber');
    assert.ok(row, `Events.Subscriber is not among ${rows.length} heap types`);
    return row;
  }

  before(async function () {
    api = await heapLens();
    fixture = await RunningFixture.start('Events');
    record = (await vscode.commands.executeCommand<SnapshotRecord>('heaplens.captureHeap', { pid: fixture.pid }))!;
    assert.ok(record, 'the capture by pid made no snapshot (see the HeapLens log)');
    assert.strictEqual(api.snapshots.selectedId, record.id);
    const publisher = (await api.analysis.instances(record, 'Events.Publisher', 0, 1)).instances[0];
    assert.ok(publisher, 'one live Events.Publisher');
    const publisherObject = await api.analysis.object(record, publisher.address);
    const multicast = publisherObject.fields.find((f) => f.name === 'Changed')?.address;
    assert.ok(multicast, `Publisher.Changed holds the multicast handler: ${JSON.stringify(publisherObject.fields)}`);
    const multicastObject = await api.analysis.object(record, multicast);
    const list = multicastObject.fields.find((f) => f.name === '_invocationList')?.address;
    assert.ok(list, 'the multicast handler has an invocation list');
    size = {
      subscriber: await oneInstanceSize('Events.Subscriber'),
      publisher: publisher.size,
      handler: multicastObject.size,
      invocationList: (await api.analysis.object(record, list)).size,
      buffer: 24 + bufferBytes,
    };
  });

  after(async function () {
    await fixture?.stop();
    if (record) await vscode.commands.executeCommand('heaplens.deleteSnapshot', record, { confirmed: true });
  });

  it('shows what the subscribers retain in the Retained column, and sorts by it', async function () {
    const row = await subscriberRow();
    const retained = initialCount * (size.subscriber + size.buffer);
    assert.strictEqual(row.row.count, initialCount);
    assert.strictEqual(row.row.retainedBytes, retained);
    const item = await itemText(api.heapTypes, row);
    assert.strictEqual(item.description, `${initialCount.toLocaleString('en-US')} · ${formatBytes(row.row.bytes)} · ${formatBytes(retained)} retained`);

    await vscode.commands.executeCommand('heaplens.changeHeapTypeSort', 'retained');
    try {
      const rows = ((await children(api.heapTypes)) as HeapTypesNode[]).filter((n): n is TypeNode => n.kind === 'type');
      const figures = rows.map((r) => r.row.retainedBytes ?? -1);
      assert.deepStrictEqual(figures, [...figures].sort((a, b) => b - a), 'largest retained first');
      // The Publisher retains every subscriber and more.
      assert.ok(rows.findIndex((r) => r.row.name === 'Events.Publisher') < rows.findIndex((r) => r.row.name === 'Events.Subscriber'));
    } finally {
      await vscode.commands.executeCommand('heaplens.changeHeapTypeSort', 'bytes');
    }
  });

  it('counts unreachable objects only when showing all objects', async function () {
    await vscode.commands.executeCommand('heaplens.showAllObjects');
    try {
      assert.strictEqual(api.heapTypes.allObjects, true);
      const all = await subscriberRow();
      assert.strictEqual(all.row.count, initialCount, 'every subscriber is live');
      const unreachable = api.heapTypes.unreachable;
      assert.ok(unreachable, 'the agent says how many objects are unreachable');
      const info = await api.analysis.open(record);
      assert.deepStrictEqual(unreachable, info.unreachable, 'the same unreachable objects as the snapshot reports');

      // Each `+=` made a new multicast handler and dropped the old one: with all objects, the handlers listed as
      // unreachable are exactly the ones the live count leaves out, and Heap Types marks them.
      const type = 'System.EventHandler';
      const live = (await api.analysis.instances(record, type, 0, 1)).count;
      const everything = await api.analysis.instances(record, type, 0, 100_000, { all: true });
      const marked = everything.instances.filter((i) => i.unreachable);
      assert.strictEqual(everything.instances.length, everything.count);
      assert.strictEqual(marked.length, everything.count - live);
      assert.ok(marked.every((i) => i.retainedBytes === 0), 'an unreachable object retains nothing');
      const row = ((await children(api.heapTypes)) as HeapTypesNode[]).find((n): n is TypeNode => n.kind === 'type' && n.row.name === type);
      assert.strictEqual(row?.row.count, everything.count);
      const shown = ((await children(api.heapTypes, row)) as HeapTypesNode[]).filter((n) => n.kind === 'instance');
      for (const node of shown) {
        const item = await itemText(api.heapTypes, node);
        const dead = node.kind === 'instance' && node.instance.unreachable === true;
        assert.strictEqual(item.contextValue, dead ? 'instance.unreachable' : 'instance');
        assert.strictEqual(item.description.endsWith(' · unreachable'), dead, item.description);
      }
    } finally {
      await vscode.commands.executeCommand('heaplens.showLiveObjects');
    }
    assert.strictEqual(api.heapTypes.allObjects, false);
  });

  it('groups the subscribers’ retention paths into one, which expands to an example path', async function () {
    await vscode.commands.executeCommand('heaplens.showRetentionPaths', { recordId: record.id, type: 'Events.Subscriber' });
    const groups = (await children(api.retentionPaths)) as RetentionNode[];
    assert.deepStrictEqual(groups.map((g) => g.kind), ['group'], 'one shape of path for every subscriber');
    const group = groups[0] as GroupNode;
    assert.strictEqual(group.group.count, initialCount);
    assert.strictEqual(group.instances, initialCount);
    assert.strictEqual(group.group.retainedBytes, initialCount * (size.subscriber + size.buffer));
    const item = await itemText(api.retentionPaths, group);
    assert.strictEqual(item.label, `${initialCount.toLocaleString('en-US')} of ${initialCount.toLocaleString('en-US')} · ${formatBytes(initialCount * (size.subscriber + size.buffer))} retained`);
    assert.strictEqual(item.description, 'static Program.Bus → Publisher → … → EventHandler._target');

    const [example] = (await children(api.retentionPaths, group)) as PathNode[];
    assert.strictEqual(example.kind, 'path');
    assert.strictEqual((await itemText(api.retentionPaths, example)).label, 'Static field Program.Bus');
    assert.strictEqual(example.path.links[example.path.links.length - 1].address, group.group.example);
    const steps = await Promise.all(((await children(api.retentionPaths, example)) as StepNode[]).map(async (s) => (await itemText(api.retentionPaths, s)).label));
    assert.ok(steps.includes('Publisher.Changed → EventHandler'), steps.join(' | '));
  });

  it('lists the Publisher in Dominators with what it retains, down the dominator tree', async function () {
    const top = (await children(api.dominators)) as DominatorsNode[];
    const publisher = top.find((n): n is DominatorNode => n.kind === 'dominator' && n.item.type === 'Events.Publisher');
    assert.ok(publisher, `no Publisher among ${top.map((n) => (n.kind === 'dominator' ? n.item.type : n.kind)).join(', ')}`);
    const perSubscriber = size.handler + size.subscriber + size.buffer;
    const retained = size.publisher + size.handler + size.invocationList + initialCount * perSubscriber;
    assert.strictEqual(publisher.item.retainedBytes, retained);
    assert.strictEqual(publisher.item.retainedObjects, 3 + 3 * initialCount);
    assert.strictEqual(publisher.item.root?.kind, 'static');
    const item = await itemText(api.dominators, publisher);
    assert.strictEqual(item.label, 'Publisher');
    assert.ok(item.description.startsWith(`${formatBytes(retained)} retained · `), item.description);
    assert.strictEqual(item.contextValue, 'dominator');

    // It alone keeps the multicast handler alive, which keeps everything else.
    const below = (await children(api.dominators, publisher)) as DominatorsNode[];
    assert.deepStrictEqual(below.map((n) => (n.kind === 'dominator' ? n.item.type : n.kind)), ['System.EventHandler']);
    const multicast = below[0] as DominatorNode;
    assert.strictEqual(multicast.item.retainedBytes, retained - size.publisher);
    assert.strictEqual(multicast.item.retainedObjects, 2 + 3 * initialCount);

    // Show Retention Paths and Show in Heap Types from the item.
    await vscode.commands.executeCommand('heaplens.showRetentionPaths', publisher);
    assert.strictEqual(api.retentionPaths.currentTarget?.address, publisher.item.address);
    const [path] = (await children(api.retentionPaths)) as PathNode[];
    assert.strictEqual((await itemText(api.retentionPaths, path)).label, 'Static field Program.Bus');
    await vscode.commands.executeCommand('heaplens.showInHeapTypes', publisher);
    try {
      assert.strictEqual(api.heapTypes.typeFilter, 'Events.Publisher');
      const rows = (await children(api.heapTypes)) as HeapTypesNode[];
      assert.deepStrictEqual(rows.map((n) => (n.kind === 'type' ? n.row.name : n.kind)), ['Events.Publisher']);
    } finally {
      await vscode.commands.executeCommand('heaplens.clearHeapTypeFilter');
    }
  });

  it('stops building the dominator tree when the request is cancelled, and builds it on the next request', async function () {
    // A copy of the dump, opened only here: no view has asked for its tree yet.
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'heaplens-host-cancel-'));
    const copy: SnapshotRecord = { ...record, id: `${record.id}-cancel`, dumpPath: nodePath.join(dir, 'copy.dmp') };
    fs.copyFileSync(record.dumpPath, copy.dumpPath);
    fs.chmodSync(copy.dumpPath, 0o600);
    try {
      await api.analysis.open(copy);
      // Cancel at the agent's first progress report of the tree (what a notification's Cancel button does).
      const cancellation = new CancellationSource();
      const reports: string[] = [];
      const listening = api.analysis.onProgress((p) => {
        reports.push(p.message);
        cancellation.cancel();
      });
      try {
        await assert.rejects(api.analysis.dominators(copy, { top: 5 }, { cancellation }), (err: Error) => err.name === 'CancelledError');
      } finally {
        listening.dispose();
      }
      assert.ok(reports.length > 0, 'the agent reported progress while building the tree');
      const answer = await api.analysis.dominators(copy, { top: 5 });
      assert.ok(answer.items.some((d) => d.type === 'Events.Publisher'), answer.items.map((d) => d.type).join(', '));
    } finally {
      await api.analysis.forget(copy);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows the biggest retainers on the summary page', async function () {
    const page = (await vscode.commands.executeCommand<SummaryPanel>('heaplens.showSummary', record))!;
    try {
      const report = await waitFor('the page to draw the retainers', () => (page.lastReport?.retainers.length ? page.lastReport : undefined));
      assert.ok(report.retainers.includes('Events.Publisher'), report.retainers.join(', '));
      const state = page.currentState!;
      const publisher = state.retainers!.find((r) => r.type === 'Events.Publisher')!;
      assert.strictEqual(publisher.root, 'Static field Program.Bus');
      // A retainer's link is offered, so following it opens its retention path.
      await page.follow({ kind: 'retention', address: publisher.address, type: publisher.type });
      assert.strictEqual(api.retentionPaths.currentTarget?.address, publisher.address);
    } finally {
      page.dispose();
    }
  });
});
