// Host test: live memory and allocation sites in a real VS Code (issue 13). A `heaplens` debug session runs the
// Allocations fixture, which allocates all the time and keeps a byte[RetainedBytes] at its line marked
// `heaplens:alloc-kept`. The Memory view starts monitoring the session's process by itself (sampling allocations, as
// a heaplens session does by default) and its page draws a point a second; Capture Heap adds a snapshot mark, which
// selects the snapshot; the Heap Types row of System.Byte[] has "Allocated at" children naming that line, read from
// the fixture's source; Retention Paths of one of those arrays says the same; the summary page lists the site.
// Ending the debug session ends the monitoring with a message. On demand (Monitor Memory with a pid): sampling is
// switched on in a running session, a killed process and a process with diagnostics disabled each end with a sentence.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { AllocationSiteNode, AllocationSitesNode } from '../../src/features/allocationSites/allocationNodes';
import type { HeapTypesNode, TypeNode } from '../../src/features/heapTypes/nodes';
import type { RetentionNode } from '../../src/features/retentionPaths/nodes';
import type { SummaryPanel } from '../../src/features/summary/summaryPanel';
import type { HeapLensApi } from '../../src/extension';
import type { SnapshotRecord } from '../../src/snapshots/snapshotStore';
import { buildFixture, fixtureSource, markedLine, RunningFixture } from '../support/fixtures';
import { children, DebugOutputWatcher, heapLens, itemText, waitFor } from './hostSupport';

describe('Live memory and allocation sites (Allocations, heaplens session)', function () {
  this.timeout(300_000);
  const source = fixtureSource('Allocations');
  const keptLine = markedLine(source, 'alloc-kept');
  const slotLine = markedLine(source, 'alloc-slot');
  let api: HeapLensApi;
  let session: vscode.DebugSession | undefined;
  const watcher = new DebugOutputWatcher();
  const registrations: vscode.Disposable[] = [];
  const captured: SnapshotRecord[] = [];
  let summary: SummaryPanel | undefined;

  before(async function () {
    api = await heapLens();
    const dll = await buildFixture('Allocations');
    registrations.push(vscode.debug.registerDebugAdapterTrackerFactory('heaplens', watcher));
    const started = new Promise<vscode.DebugSession>((resolve) => registrations.push(vscode.debug.onDidStartDebugSession(resolve)));
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], { type: 'heaplens', request: 'launch', name: 'HeapLens host test: Allocations', program: dll, console: 'internalConsole' });
    assert.ok(ok, 'the heaplens debug session did not start');
    session = await started;
    await waitFor('the program to print READY', () => (watcher.readyCount() >= 1 ? true : undefined), 120_000);
  });

  after(async function () {
    summary?.dispose();
    if (session) await vscode.debug.stopDebugging(session);
    registrations.forEach((r) => r.dispose());
    await vscode.commands.executeCommand('heaplens.stopMonitoring');
    for (const r of captured.reverse()) await vscode.commands.executeCommand('heaplens.deleteSnapshot', r, { confirmed: true });
  });

  it('monitors the session’s process and draws a point a second in the Memory view', async function () {
    const { monitor, view } = api.liveMemory;
    await vscode.commands.executeCommand('heaplens.memory.focus');
    await waitFor('the monitor to run for the session’s process', () => (monitor.target?.pid === watcher.pid && monitor.status.state === 'running' ? true : undefined), 90_000);
    assert.ok(watcher.pid, 'the adapter reported the process');
    assert.strictEqual(monitor.target?.debugSessionId, session!.id);
    assert.strictEqual(monitor.status.sampling, true, 'a heaplens session samples allocations by default');
    const report = await waitFor('three points drawn', () => ((view.lastReport?.points ?? 0) >= 3 ? view.lastReport : undefined), 90_000);
    assert.match(report.status, /live · sampling allocations/);
    assert.ok(report.legend.some((l) => /^GC heap \d/.test(l)), report.legend.join(' | '));
    // The fixture allocates 4,000 objects and a large array every 50 ms: GCs happen and are marked.
    await waitFor('a GC mark', () => ((view.lastReport?.gcMarks ?? 0) > 0 ? true : undefined), 60_000);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(view.html ?? '')?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.ok(!/unsafe-inline|unsafe-eval/.test(csp) && /script-src 'nonce-/.test(csp), csp);
  });

  it('marks Capture Heap’s snapshot on the time axis; clicking the mark selects it', async function () {
    const { view } = api.liveMemory;
    // A few seconds of samples before the snapshot.
    await new Promise((r) => setTimeout(r, 3000));
    for (let i = 0; i < 2; i++) {
      const record = await vscode.commands.executeCommand<SnapshotRecord>('heaplens.captureHeap');
      assert.ok(record, 'the capture made no snapshot (see the HeapLens log)');
      captured.push(record);
      if (i === 0) await new Promise((r) => setTimeout(r, 3000));
    }
    const marked = await waitFor('both snapshot marks', () => (captured.every((r) => view.lastReport?.snapshotMarks.includes(r.id)) ? view.lastReport!.snapshotMarks : undefined), 30_000);
    assert.ok(marked.length >= 2);
    await api.snapshots.select(captured[1].id);
    assert.strictEqual(await view.selectSnapshot(captured[0].id), true);
    assert.strictEqual(api.snapshots.selectedId, captured[0].id);
    assert.strictEqual(await view.selectSnapshot('not-a-mark'), false, 'ids the page was not given are ignored');
    await api.snapshots.select(captured[1].id);
  });

  it('shows "Allocated at" under System.Byte[] in Heap Types, with the fixture’s line', async function () {
    await waitFor('the second snapshot selected', () => (api.snapshots.selectedId === captured[1].id ? true : undefined));
    const rows = (await children(api.heapTypes)) as HeapTypesNode[];
    const bytes = rows.find((n): n is TypeNode => n.kind === 'type' && n.row.name === 'System.Byte[]');
    assert.ok(bytes, 'System.Byte[] is a heap type');
    const under = (await children(api.heapTypes, bytes)) as HeapTypesNode[];
    const allocated = under[0] as AllocationSitesNode;
    assert.strictEqual(allocated.kind, 'allocations', `first child: ${under[0]?.kind}`);
    assert.strictEqual((await itemText(api.heapTypes, allocated)).label, 'Allocated at');
    const sites = (await children(api.heapTypes, allocated)) as AllocationSiteNode[];
    const top = sites[0];
    assert.ok(top.site.file?.endsWith('Allocations/Program.cs'), JSON.stringify(top.site));
    assert.strictEqual(top.site.line, keptLine, 'the top site is the line that keeps the arrays');
    const item = await itemText(api.heapTypes, top);
    assert.ok(item.description.startsWith(`Program.cs:${keptLine} · `), item.description);
    assert.strictEqual(item.contextValue, 'allocationSite.source', 'Go to Source is offered');
    assert.ok(under.some((n) => n.kind === 'instance'), 'the instances follow');
  });

  it('shows "Allocated at" under a nested type of a generic type (the runtime\'s events name it without its enclosing type)', async function () {
    // The fixture's Pool<OrderLine>.Slot: the events say "Slot[Allocations.OrderLine]", Heap Types the full name.
    const rows = (await children(api.heapTypes)) as HeapTypesNode[];
    const slot = rows.find((n): n is TypeNode => n.kind === 'type' && n.row.name === 'Allocations.Pool<Allocations.OrderLine>+Slot');
    assert.ok(slot, 'Allocations.Pool<Allocations.OrderLine>+Slot is a heap type');
    const allocated = ((await children(api.heapTypes, slot)) as HeapTypesNode[])[0] as AllocationSitesNode;
    assert.strictEqual(allocated.kind, 'allocations', `first child: ${allocated?.kind}`);
    const sites = (await children(api.heapTypes, allocated)) as AllocationSiteNode[];
    assert.strictEqual(sites[0].site.line, slotLine, 'the slots are made at the fixture\'s marked line');
  });

  it('shows where the arrays were allocated in Retention Paths of one of them', async function () {
    const rows = (await children(api.heapTypes)) as HeapTypesNode[];
    const bytes = rows.find((n): n is TypeNode => n.kind === 'type' && n.row.name === 'System.Byte[]')!;
    const instance = ((await children(api.heapTypes, bytes)) as HeapTypesNode[]).find((n) => n.kind === 'instance');
    await vscode.commands.executeCommand('heaplens.showRetentionPaths', instance);
    const top = (await children(api.retentionPaths)) as RetentionNode[];
    const allocated = top.find((n): n is AllocationSitesNode => n.kind === 'allocations');
    assert.ok(allocated, `Retention Paths: ${top.map((n) => n.kind).join(', ')}`);
    const sites = (await children(api.retentionPaths, allocated)) as AllocationSiteNode[];
    assert.strictEqual(sites[0].site.line, keptLine);
  });

  it('lists the allocation sites between the two snapshots on the summary page', async function () {
    summary = await vscode.commands.executeCommand<SummaryPanel>('heaplens.showSummary', captured[1]);
    assert.ok(summary);
    const report = await waitFor('the summary page to draw', () => summary!.lastReport);
    const state = summary.currentState!;
    assert.strictEqual(state.allocations?.since, captured[0].label, 'the period since the previous snapshot');
    assert.ok(report.allocationSites.includes(`System.Byte[] Program.cs:${keptLine}`), report.allocationSites.join(' | '));
  });

  it('ends the monitoring with a message when the debug session ends', async function () {
    const { monitor } = api.liveMemory;
    await vscode.debug.stopDebugging(session);
    session = undefined;
    await waitFor('the monitor to end', () => (monitor.status.state === 'ended' || monitor.status.state === 'failed' ? true : undefined), 60_000);
    assert.match(monitor.status.message ?? '', /debug session ended|exited/);
    assert.strictEqual(monitor.running, false);
  });
});

describe('Live memory on demand (Allocations, by pid)', function () {
  this.timeout(300_000);
  let api: HeapLensApi;
  const fixtures: RunningFixture[] = [];

  before(async function () {
    api = await heapLens();
  });

  after(async function () {
    await vscode.commands.executeCommand('heaplens.stopMonitoring');
    for (const f of fixtures) await f.stop();
  });

  it('monitors a process picked by pid, switches sampling on, and says so when the process is killed', async function () {
    const { monitor } = api.liveMemory;
    const app = await RunningFixture.start('Allocations');
    fixtures.push(app);
    const failure = await vscode.commands.executeCommand<string | undefined>('heaplens.monitorMemory', { pid: app.pid });
    assert.strictEqual(failure, undefined);
    assert.strictEqual(monitor.target?.pid, app.pid);
    assert.strictEqual(monitor.target?.debugSessionId, undefined);
    assert.strictEqual(monitor.status.sampling, false, 'on demand, allocations are not sampled unless asked');
    await waitFor('a counter sample', () => (monitor.samples.some((s) => s.gcHeapBytes !== null) ? true : undefined), 60_000);
    assert.strictEqual(await vscode.commands.executeCommand('heaplens.startAllocationSampling'), undefined);
    assert.strictEqual(monitor.status.state, 'running');
    assert.strictEqual(monitor.status.sampling, true);
    const before = monitor.samples.length;
    await waitFor('samples after the switch', () => (monitor.samples.length > before ? true : undefined), 60_000);
    process.kill(app.pid, 'SIGKILL');
    await waitFor('the monitor to end', () => (monitor.status.state !== 'running' ? true : undefined), 60_000);
    assert.strictEqual(monitor.status.state, 'ended');
    assert.strictEqual(monitor.status.message, `Process ${app.pid} exited; the session ended.`);
  });

  it('says why when the process runs with diagnostics disabled', async function () {
    const { monitor } = api.liveMemory;
    const closed = await RunningFixture.start('Allocations', { DOTNET_EnableDiagnostics: '0' });
    fixtures.push(closed);
    const failure = await vscode.commands.executeCommand<string | undefined>('heaplens.monitorMemory', { pid: closed.pid });
    assert.match(failure ?? '', /DOTNET_EnableDiagnostics=0/);
    assert.strictEqual(monitor.status.state, 'failed');
    assert.strictEqual(monitor.status.message, failure);
  });
});
