// Host test: the Insights view in a real VS Code, over the Events fixture captured by pid. The agent's event-handlers
// insight shows for the selected snapshot with the publisher, the event and InitialCount handlers (the program's
// constants); its links open the subscriber type in Heap Types and the handler's line (found by HeapLens's own C#
// index, not by the PDB the agent read). After a "grow" and a second capture, it is compared with the first: GrowBy
// more handlers.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { HeapLensApi } from '../../src/extension';
import type { InsightDetailNode, InsightNode, InsightsNode } from '../../src/features/insights/insightsTree';
import type { SnapshotRecord } from '../../src/snapshots/snapshotStore';
import { formatCount } from '../../src/common/numbers';
import { fixtureSource, markedLine, readConstant, RunningFixture } from '../support/fixtures';

const manifest = JSON.parse(fs.readFileSync(require.resolve('../../../package.json'), 'utf8')) as { publisher: string; name: string };

async function heapLens(): Promise<HeapLensApi> {
  const extension = vscode.extensions.getExtension<HeapLensApi>(`${manifest.publisher}.${manifest.name}`);
  assert.ok(extension, 'HeapLens is not loaded');
  return extension.activate();
}

describe('The Insights view (Events)', function () {
  this.timeout(300_000);
  const source = fixtureSource('Events');
  const initialCount = readConstant(source, 'InitialCount');
  const growBy = readConstant(source, 'GrowBy');
  let api: HeapLensApi;
  let fixture: RunningFixture;
  const captured: SnapshotRecord[] = [];

  async function capture(): Promise<SnapshotRecord> {
    const record = await vscode.commands.executeCommand<SnapshotRecord>('heaplens.captureHeap', { pid: fixture.pid });
    assert.ok(record, 'the capture made no snapshot (see the HeapLens log)');
    captured.push(record);
    assert.strictEqual(api.snapshots.selectedId, record.id, 'a new capture is selected');
    return record;
  }

  async function eventInsight(): Promise<InsightNode> {
    const nodes = (await api.insights.getChildren()) as InsightsNode[];
    const answer = api.insights.current;
    assert.strictEqual(answer?.status, 'ok', answer && answer.status !== 'ok' ? answer.message : 'no answer');
    const node = nodes.find((n): n is InsightNode => n.kind === 'insight' && n.insight.kind === 'event-handlers' && n.insight.figures.event === 'Changed');
    assert.ok(node, `no event-handlers insight for Changed among: ${nodes.map((n) => (n.kind === 'insight' ? n.insight.title : n.label)).join(' | ')}`);
    return node;
  }

  before(async function () {
    api = await heapLens();
    fixture = await RunningFixture.start('Events');
    assert.ok((await api.sourceIndex.get()).indexFile(source), 'HeapLens’s own index reads the fixture');
  });

  after(async function () {
    await fixture?.stop();
    for (const r of captured.reverse()) await vscode.commands.executeCommand('heaplens.deleteSnapshot', r, { confirmed: true });
  });

  it('shows the event-handlers insight of the selected snapshot with the figures of the program', async function () {
    const record = await capture();
    const node = await eventInsight();
    assert.strictEqual(node.recordId, record.id);
    const { insight } = node;
    assert.strictEqual(insight.figures.declaringType, 'Events.Publisher');
    assert.strictEqual(insight.figures.delegates, initialCount);
    assert.strictEqual(insight.figures.targets, initialCount);
    assert.strictEqual(insight.severity, 'warning');

    const item = await api.insights.getTreeItem(node);
    assert.strictEqual(item.label, insight.title);
    assert.strictEqual(item.description, 'event handlers');
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'warning');
    // Warnings come first.
    const all = ((await api.insights.getChildren()) as InsightNode[]).map((n) => n.insight.severity);
    assert.deepStrictEqual(all, [...all].sort((a, b) => (a === b ? 0 : a === 'warning' ? -1 : 1)));
  });

  it('lists the figures and links to the subscriber type and the handler’s line', async function () {
    const node = await eventInsight();
    const details = (await api.insights.getChildren(node)) as InsightDetailNode[];
    const delegates = details.find((d) => d.kind === 'figure' && d.label === 'delegates');
    assert.strictEqual(delegates?.description, initialCount.toLocaleString('en-US'));

    const typeLink = details.find((d) => d.link?.kind === 'type' && d.link.type === 'Events.Subscriber');
    assert.ok(typeLink, `links: ${details.filter((d) => d.link).map((d) => d.label).join(' | ')}`);
    const typeItem = await api.insights.getTreeItem(typeLink);
    assert.strictEqual(typeItem.command?.command, 'heaplens.followInsightLink');
    await vscode.commands.executeCommand(typeItem.command.command, ...(typeItem.command.arguments ?? []));
    assert.strictEqual(api.heapTypes.typeFilter, 'Events.Subscriber');
    await vscode.commands.executeCommand('heaplens.clearHeapTypeFilter');

    const handler = (await api.sourceIndex.get()).findMember('Events.Subscriber', 'OnChanged');
    assert.strictEqual(handler.length, 1, 'the handler is declared once');
    // The += line comes first (the agent found it in the IL), then the handler.
    const sourceLinks = details.filter((d) => d.link?.kind === 'source');
    const subscribeLine = markedLine(source, 'subscribe');
    assert.deepStrictEqual(
      sourceLinks.map((d) => d.label),
      [`Program.cs:${subscribeLine} (+= in Events.Program.Subscribe, ${formatCount(initialCount)} handlers)`, `Program.cs:${handler[0].line} (handler Events.Subscriber.OnChanged)`],
    );
    const sourceLink = sourceLinks[1];
    assert.ok(sourceLink?.link?.kind === 'source', 'a link to the handler’s source');
    assert.deepStrictEqual([fs.realpathSync(sourceLink.link.file), sourceLink.link.line], [fs.realpathSync(source), handler[0].line]);
    const sourceItem = await api.insights.getTreeItem(sourceLink);
    await vscode.commands.executeCommand(sourceItem.command!.command, ...(sourceItem.command!.arguments ?? []));
    const editor = vscode.window.activeTextEditor;
    assert.strictEqual(editor && fs.realpathSync(editor.document.uri.fsPath), fs.realpathSync(source));
    assert.strictEqual(editor!.selection.active.line + 1, handler[0].line);
  });

  it('compares a second snapshot with the first: GrowBy more handlers', async function () {
    await fixture.grow();
    const second = await capture();
    const node = await eventInsight();
    assert.strictEqual(node.recordId, second.id);
    assert.strictEqual(api.insights.current?.comparison?.base.id, captured[0].id);
    assert.strictEqual(node.insight.figures.delegates, initialCount + growBy);
    assert.strictEqual(node.insight.figures.delegatesBefore, initialCount);
    assert.strictEqual(node.insight.figures.delegatesGrowth, growBy);
  });

  it('follows the selected snapshot', async function () {
    await api.snapshots.select(captured[0].id);
    const node = await eventInsight();
    assert.strictEqual(node.recordId, captured[0].id);
    assert.strictEqual(node.insight.figures.delegates, initialCount);
    await api.snapshots.select(undefined);
    assert.deepStrictEqual(await api.insights.getChildren(), [], 'no snapshot selected, no insights');
  });
});
