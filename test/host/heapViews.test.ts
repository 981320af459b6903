// Host test: the HeapLens views over real programs in a real VS Code. A `heaplens` debug session runs the Chain
// fixture; the real Capture Heap command captures it twice around a "grow"; the Heap Types view's items show the
// leaking type with its growth; the Retention Paths view describes the stack root in words; Go to Source opens the
// root's line. Then the Events fixture, captured by pid: its static root and its event link go to the static field's
// declaration and the `+=` line. Every expected figure and line comes from the fixtures' sources.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as nodePath from 'path';
import * as vscode from 'vscode';
import type { HeapLensApi } from '../../src/extension';
import type { HeapTypesNode, TypeNode } from '../../src/features/heapTypes/nodes';
import type { GroupNode, PathNode, RetentionNode, StepNode } from '../../src/features/retentionPaths/nodes';
import type { SnapshotRecord } from '../../src/snapshots/snapshotStore';
import { linkCount } from '../../src/common/retentionFolding';
import { growthText } from '../../src/snapshots/heapTypeRows';
import { buildFixture, fixtureSource, markedLine, readConstant, RunningFixture } from '../support/fixtures';
import { children, DebugOutputWatcher, heapLens, itemText as label, waitFor } from './hostSupport';

/** Analysis agents this extension host started (children running HeapLens.Agent.dll). */
function agentProcesses(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        const ppid = Number(/^\d+ \(.*\) \S (\d+) /.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1]);
        return ppid === process.pid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('HeapLens.Agent.dll');
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('HeapLens views over a heaplens debug session (Chain)', function () {
  this.timeout(300_000);
  const source = fixtureSource('Chain');
  const initialCount = readConstant(source, 'InitialCount');
  const growBy = readConstant(source, 'GrowBy');
  let api: HeapLensApi;
  let session: vscode.DebugSession | undefined;
  const output = new DebugOutputWatcher();
  const registrations: vscode.Disposable[] = [];
  let first: SnapshotRecord;
  let second: SnapshotRecord;

  before(async function () {
    api = await heapLens();
    const dll = await buildFixture('Chain');
    registrations.push(vscode.debug.registerDebugAdapterTrackerFactory('heaplens', output));
    const started = new Promise<vscode.DebugSession>((resolve) => registrations.push(vscode.debug.onDidStartDebugSession(resolve)));
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
      type: 'heaplens',
      request: 'launch',
      name: 'HeapLens host test: Chain',
      program: dll,
      console: 'internalConsole',
    });
    assert.ok(ok, 'the heaplens debug session did not start');
    session = await started;
    await waitFor('the program to print READY', () => (output.readyCount() >= 1 ? true : undefined));
  });

  after(async function () {
    if (session) await vscode.debug.stopDebugging(session);
    registrations.forEach((r) => r.dispose());
    for (const r of [second, first]) if (r) await vscode.commands.executeCommand('heaplens.deleteSnapshot', r, { confirmed: true });
  });

  it('captures twice with the Capture Heap command and selects the new snapshot', async function () {
    assert.strictEqual(vscode.debug.activeDebugSession?.id, session!.id);
    first = (await vscode.commands.executeCommand<SnapshotRecord>('heaplens.captureHeap'))!;
    assert.ok(first, 'the first capture made no snapshot (see the HeapLens log)');
    assert.strictEqual(api.snapshots.selectedId, first.id);
    assert.strictEqual(fs.statSync(first.dumpPath).mode & 0o777, 0o600, 'the dump is owner-only');
    assert.strictEqual(first.origin.kind, 'debugSession');
    assert.ok(output.pid, 'the adapter sent a process event');
    assert.strictEqual(first.origin.pid, output.pid, 'the snapshot knows the process from the debug adapter tracker');
    assert.match(first.label, /^Chain #\d+$/, 'named after the program (Chain.dll)');
    // The debug session wrote and opened the dump in the window's agent, and the Snapshots view reads that index:
    // one agent process, with the dump open once.
    assert.deepStrictEqual(agentProcesses(), [api.analysis.agentPid], 'one analysis agent for the window and its debug session');
    assert.deepStrictEqual(
      api.analysis.host.openSnapshots.filter((s) => s.dumpPath === first.dumpPath).length,
      1,
      `the dump is open in the agent: ${JSON.stringify(api.analysis.host.openSnapshots)}`,
    );

    const readyBefore = output.readyCount();
    await session!.customRequest('evaluate', { expression: 'grow', context: 'repl' });
    await waitFor('the program to grow and print READY again', () => (output.readyCount() > readyBefore ? true : undefined));

    second = (await vscode.commands.executeCommand<SnapshotRecord>('heaplens.captureHeap'))!;
    assert.ok(second, 'the second capture made no snapshot');
    assert.strictEqual(api.snapshots.selectedId, second.id);
    assert.deepStrictEqual(api.snapshots.comparisonFor(api.snapshots.find(second.id)!)?.base.id, first.id, 'compared with the previous snapshot of the same session');

    const listed = await children(api.snapshotsTree);
    assert.deepStrictEqual(listed.slice(0, 2).map((r) => r.id), [second.id, first.id], 'newest first in the Snapshots view');
    const item = await label(api.snapshotsTree, listed[0]);
    assert.match(item.description, /objects/);
  });

  it('shows the leaking type in Heap Types with its count and growth', async function () {
    const nodes = (await children(api.heapTypes)) as HeapTypesNode[];
    const leak = nodes.find((n): n is TypeNode => n.kind === 'type' && n.row.name === 'Chain.Leak');
    assert.ok(leak, `Chain.Leak is not among ${nodes.length} heap types`);
    assert.strictEqual(leak.row.count, initialCount + growBy);
    assert.deepStrictEqual(leak.row.growth?.count, growBy);
    // Every Leak has the same size, so the bytes grew by GrowBy objects of that size.
    assert.strictEqual(leak.row.growth?.bytes, (leak.row.bytes / leak.row.count) * growBy);
    const item = await label(api.heapTypes, leak);
    assert.strictEqual(item.label, 'Leak');
    assert.ok(item.description.endsWith(growthText(leak.row.growth!)), `description "${item.description}"`);
    assert.ok(item.description.startsWith(`${(initialCount + growBy).toLocaleString('en-US')} · `), item.description);
    assert.ok(item.tooltip.startsWith('Chain.Leak\n'), 'the tooltip has the full type name');

    // Sorted by growth, the leak and its payload arrays lead.
    await vscode.commands.executeCommand('heaplens.changeHeapTypeSort', 'growth');
    const byGrowth = ((await children(api.heapTypes)) as TypeNode[]).slice(0, 2).map((n) => n.row.name).sort();
    assert.deepStrictEqual(byGrowth, ['Chain.Leak', 'System.Byte[]']);
    await vscode.commands.executeCommand('heaplens.changeHeapTypeSort', 'bytes');

    // Grouped by namespace, the leak sits under its namespace with the namespace's totals.
    await vscode.commands.executeCommand('heaplens.groupByNamespace');
    const groups = (await children(api.heapTypes)) as HeapTypesNode[];
    const chainGroup = groups.find((g) => g.kind === 'namespace' && g.group.namespace === 'Chain');
    assert.ok(chainGroup && chainGroup.kind === 'namespace', `no Chain namespace among ${groups.length} groups`);
    const inGroup = (await children(api.heapTypes, chainGroup)) as HeapTypesNode[];
    assert.ok(inGroup.some((n) => n.kind === 'type' && n.row.name === 'Chain.Leak'));
    assert.ok(chainGroup.group.count >= initialCount + growBy);
    await vscode.commands.executeCommand('heaplens.ungroupHeapTypes');

    // The filter keeps only matching types.
    await vscode.commands.executeCommand('heaplens.filterHeapTypes', 'chain.');
    const filtered = (await children(api.heapTypes)) as TypeNode[];
    assert.ok(filtered.length >= 1 && filtered.every((n) => n.row.name.toLowerCase().includes('chain.')), filtered.map((n) => n.row.name).join(', '));
    await vscode.commands.executeCommand('heaplens.clearHeapTypeFilter');
  });

  it('shows the heap types a page at a time, with a "Load more types…" row', async function () {
    const config = vscode.workspace.getConfiguration('heaplens');
    const typesPage = 10;
    await config.update('typesPageSize', typesPage, vscode.ConfigurationTarget.Global);
    try {
      let nodes = (await children(api.heapTypes)) as HeapTypesNode[];
      assert.strictEqual(nodes.filter((n) => n.kind === 'type').length, typesPage);
      const more = nodes.find((n) => n.kind === 'moreTypes');
      assert.ok(more && more.kind === 'moreTypes', `a "Load more types…" row after ${nodes.length} nodes`);
      assert.ok(more.total > typesPage, `the diff of Chain has more than ${typesPage} types, not ${more.total}`);
      const item = await label(api.heapTypes, more);
      assert.strictEqual(item.label, 'Load more types…');
      assert.strictEqual(item.description, `${typesPage} of ${more.total.toLocaleString('en-US')} types shown`);
      await vscode.commands.executeCommand('heaplens.loadMoreInstances', more);
      nodes = (await children(api.heapTypes)) as HeapTypesNode[];
      assert.strictEqual(nodes.filter((n) => n.kind === 'type').length, Math.min(2 * typesPage, more.total));
      // The filter goes to the agent: a name only one type has leaves one row and no "Load more types…".
      await vscode.commands.executeCommand('heaplens.filterHeapTypes', 'CHAIN.LEAK');
      nodes = (await children(api.heapTypes)) as HeapTypesNode[];
      assert.deepStrictEqual(nodes.map((n) => (n.kind === 'type' ? n.row.name : n.kind)), ['Chain.Leak']);
    } finally {
      await vscode.commands.executeCommand('heaplens.clearHeapTypeFilter');
      await config.update('typesPageSize', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('pages through instances and shows their fields', async function () {
    const leak = ((await children(api.heapTypes)) as HeapTypesNode[]).find((n): n is TypeNode => n.kind === 'type' && n.row.name === 'Chain.Leak')!;
    const pageSize = vscode.workspace.getConfiguration('heaplens').get<number>('pageSize')!;
    let page = (await children(api.heapTypes, leak)) as HeapTypesNode[];
    assert.strictEqual(page.filter((n) => n.kind === 'instance').length, pageSize);
    const more = page.find((n) => n.kind === 'loadMore');
    assert.ok(more, 'a "Load more…" line');
    assert.strictEqual((await label(api.heapTypes, more)).label, 'Load more…');
    await vscode.commands.executeCommand('heaplens.loadMoreInstances', more);
    page = (await children(api.heapTypes, leak)) as HeapTypesNode[];
    assert.strictEqual(page.filter((n) => n.kind === 'instance').length, 2 * pageSize);
    const fields = (await children(api.heapTypes, page.find((n) => n.kind === 'instance'))) as HeapTypesNode[];
    assert.deepStrictEqual(fields.map((f) => (f.kind === 'field' ? f.field.name : f.kind)).sort(), ['index', 'm_prevLeak', 'payload']);
  });

  it('shows the text of strings', async function () {
    const strings = ((await children(api.heapTypes)) as HeapTypesNode[]).find((n): n is TypeNode => n.kind === 'type' && n.row.name === 'System.String');
    assert.ok(strings, 'System.String is among the heap types');
    const first = ((await children(api.heapTypes, strings)) as HeapTypesNode[]).filter((n) => n.kind === 'instance').slice(0, 5);
    assert.ok(first.length > 0);
    for (const node of first) {
      assert.ok(node.kind === 'instance' && node.text !== undefined, 'the string’s text was read');
      const item = await label(api.heapTypes, node);
      assert.ok(item.description.startsWith(JSON.stringify(node.text.slice(0, 80)).slice(0, -1)), `description "${item.description}" shows the text`);
    }
  });

  it('describes the stack root in words and goes to its line', async function () {
    const leak = ((await children(api.heapTypes)) as HeapTypesNode[]).find((n): n is TypeNode => n.kind === 'type' && n.row.name === 'Chain.Leak')!;
    await vscode.commands.executeCommand('heaplens.showRetentionPaths', leak);
    // A type's paths come grouped by shape; the first group (largest retained) expands to its example's path.
    const groups = (await children(api.retentionPaths)) as RetentionNode[];
    assert.ok(groups.length > 0 && groups[0].kind === 'group', 'Chain.Leak has grouped retention paths');
    const paths = (await children(api.retentionPaths, groups[0])) as RetentionNode[];
    assert.strictEqual(paths[0]?.kind, 'path', 'the group expands to its example path');
    const blocked = markedLine(source, 'blocked');
    const root = await label(api.retentionPaths, paths[0]);
    assert.strictEqual(root.label, `Local variable in Program.Main · Program.cs:${blocked}`);

    // The workspace is a copy of Chain: its Program.cs is preferred to the path the PDB names (the repository's).
    const inWorkspace = nodePath.join(vscode.workspace.workspaceFolders![0].uri.fsPath, nodePath.basename(source));
    const opened = await vscode.commands.executeCommand<{ file: string; line: number }>('heaplens.goToSource', paths[0]);
    assert.deepStrictEqual(opened && [fs.realpathSync(opened.file), opened.line], [fs.realpathSync(inWorkspace), blocked]);
    const editor = vscode.window.activeTextEditor;
    assert.strictEqual(editor && fs.realpathSync(editor.document.uri.fsPath), fs.realpathSync(inWorkspace));
    assert.strictEqual(editor!.selection.active.line + 1, blocked);
  });

  it('folds the long m_prevLeak chain in the path of an old link', async function () {
    const total = initialCount + growBy;
    const leak = ((await children(api.heapTypes)) as HeapTypesNode[]).find((n): n is TypeNode => n.kind === 'type' && n.row.name === 'Chain.Leak')!;
    // An instance made early: its `index` field says how deep in the chain it is (the head has index total-1).
    let chosen: { node: HeapTypesNode; index: number } | undefined;
    for (const node of (await children(api.heapTypes, leak)) as HeapTypesNode[]) {
      if (node.kind !== 'instance') continue;
      const fields = (await children(api.heapTypes, node)) as HeapTypesNode[];
      const index = fields.find((f) => f.kind === 'field' && f.field.name === 'index');
      const value = index?.kind === 'field' ? Number(index.field.value) : NaN;
      if (value <= total - 10) {
        chosen = { node, index: value };
        break;
      }
    }
    assert.ok(chosen, 'an instance at least 10 links down the chain on the first page');
    await vscode.commands.executeCommand('heaplens.showRetentionPaths', chosen.node);
    const [path] = (await children(api.retentionPaths)) as PathNode[];
    // Main's local holds the head, then one m_prevLeak link per newer Leak down to this one: total - index links.
    // A debug build may also keep the head from before the grow in a stack slot, which is initialCount - index links.
    // The agent folds the run of m_prevLeak links into one entry that says how many links it stands for.
    const links = linkCount(path.path.links);
    assert.ok([total - chosen.index, initialCount - chosen.index].includes(links), `a path of ${links} links to Leak #${chosen.index}`);
    assert.ok(path.path.links.every((l) => l.type === 'Chain.Leak'));
    assert.strictEqual(path.path.links.at(-1)?.address, chosen.node.kind === 'instance' ? chosen.node.instance.address : '');
    const steps = await Promise.all(((await children(api.retentionPaths, path)) as StepNode[]).map(async (s) => (await label(api.retentionPaths, s)).label));
    assert.deepStrictEqual(steps, ['Leak', `Leak.m_prevLeak × ${(links - 2).toLocaleString('en-US')}`, 'Leak.m_prevLeak → Leak']);
  });

  it('opens a dump from disk, which can be the baseline, and deleting it keeps the file', async function () {
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'heaplens-host-open-'));
    const copy = `${dir}/copy-of-first.dmp`;
    fs.copyFileSync(first.dumpPath, copy);
    fs.chmodSync(copy, 0o600);
    try {
      const opened = await vscode.commands.executeCommand<SnapshotRecord>('heaplens.openDump', vscode.Uri.file(copy));
      assert.ok(opened, 'Open Dump made no snapshot');
      assert.strictEqual(opened.origin.kind, 'dumpFile');
      assert.strictEqual(api.snapshots.find(opened.id)?.objects, api.snapshots.find(first.id)?.objects, 'the same dump has the same objects');
      assert.ok((await children(api.snapshotsTree)).some((r) => r.id === opened.id), 'it is listed in Snapshots');

      // The copy of the first snapshot as the baseline: the second shows the same growth against it.
      await vscode.commands.executeCommand('heaplens.setBaseline', opened);
      await vscode.commands.executeCommand('heaplens.showSnapshot', api.snapshots.find(second.id));
      const leak = ((await children(api.heapTypes)) as HeapTypesNode[]).find((n): n is TypeNode => n.kind === 'type' && n.row.name === 'Chain.Leak')!;
      assert.strictEqual(api.heapTypes.comparison?.base.id, opened.id);
      assert.strictEqual(api.heapTypes.comparison?.reason, 'baseline');
      assert.strictEqual(leak.row.growth?.count, growBy);
      assert.strictEqual((await label(api.snapshotsTree, api.snapshots.find(opened.id))).contextValue, 'snapshot.baseline');

      await vscode.commands.executeCommand('heaplens.deleteSnapshot', opened, { confirmed: true });
      assert.strictEqual(api.snapshots.find(opened.id), undefined);
      assert.strictEqual(api.snapshots.baselineId, undefined, 'deleting the baseline clears it');
      assert.ok(fs.existsSync(copy), 'a dump opened from disk is not deleted with its snapshot');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('restarts the analysis agent after it dies, and the views keep working', async function () {
    const dead = api.analysis.agentPid;
    assert.ok(dead, 'the agent is running');
    process.kill(dead, 'SIGKILL');
    await waitFor('the agent to be seen as gone', () => (api.analysis.agentPid === undefined ? true : undefined), 10_000);
    api.heapTypes.reload();
    const leak = ((await children(api.heapTypes)) as HeapTypesNode[]).find((n): n is TypeNode => n.kind === 'type' && n.row.name === 'Chain.Leak');
    assert.ok(leak, 'Heap Types still lists Chain.Leak');
    const instances = ((await children(api.heapTypes, leak)) as HeapTypesNode[]).filter((n) => n.kind === 'instance');
    assert.ok(instances.length > 0, 'instances load from the restarted agent (the dump was reopened)');
    const restarted = api.analysis.agentPid;
    assert.ok(restarted && restarted !== dead, `a new agent process (was ${dead}, now ${restarted})`);
  });
});

describe('HeapLens Go to Source on a static root and an event link (Events, captured by pid)', function () {
  this.timeout(300_000);
  const source = fixtureSource('Events');
  let api: HeapLensApi;
  let fixture: RunningFixture;
  let record: SnapshotRecord | undefined;

  before(async function () {
    api = await heapLens();
    fixture = await RunningFixture.start('Events');
    // The workspace is the Chain app: Go to Source's own index learns the Events source the way it learns any .cs file.
    assert.ok((await api.sourceIndex.get()).indexFile(source));
    record = await vscode.commands.executeCommand<SnapshotRecord>('heaplens.captureHeap', { pid: fixture.pid });
    assert.ok(record, 'the capture by pid made no snapshot (see the HeapLens log)');
    assert.strictEqual(record.origin.pid, fixture.pid);
  });

  after(async function () {
    await fixture?.stop();
    if (record) await vscode.commands.executeCommand('heaplens.deleteSnapshot', record, { confirmed: true });
  });

  async function subscriberPath(): Promise<PathNode> {
    await vscode.commands.executeCommand('heaplens.showRetentionPaths', { recordId: record!.id, type: 'Events.Subscriber' });
    const [group] = (await children(api.retentionPaths)) as GroupNode[];
    assert.ok(group?.kind === 'group', 'the subscribers are retained');
    const [path] = (await children(api.retentionPaths, group)) as PathNode[];
    return path;
  }

  it('describes the static root and opens the static field’s declaration', async function () {
    const path = await subscriberPath();
    assert.strictEqual((await label(api.retentionPaths, path)).label, 'Static field Program.Bus');
    const opened = await vscode.commands.executeCommand<{ file: string; line: number }>('heaplens.goToSource', path);
    assert.deepStrictEqual(opened && [opened.file, opened.line], [source, markedLine(source, 'static')]);
    assert.strictEqual(vscode.window.activeTextEditor?.selection.active.line, markedLine(source, 'static') - 1);
  });

  it('shows the event link as Publisher.Changed and opens the += that subscribes', async function () {
    const steps = (await children(api.retentionPaths, await subscriberPath())) as StepNode[];
    const labels = await Promise.all(steps.map(async (s) => (await label(api.retentionPaths, s)).label));
    const index = labels.indexOf('Publisher.Changed → EventHandler');
    assert.ok(index > 0, `no "Publisher.Changed → EventHandler" among ${labels.join(' | ')}`);
    const opened = await vscode.commands.executeCommand<{ file: string; line: number }>('heaplens.goToSource', steps[index]);
    assert.deepStrictEqual(opened && [opened.file, opened.line], [source, markedLine(source, 'subscribe')]);
  });
});
