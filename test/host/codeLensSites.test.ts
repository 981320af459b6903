// Host test: code lenses from the `+=` lines the agent names, in a real VS Code, over the EventSites fixture's source.
// One event (Notifier.Changed) is subscribed to from a constructor, from another file and through an interface
// (INotifier.Changed): after a capture, the interface line (marked `heaplens:site-interface`) carries the heap's
// evidence with the handlers it added (Widgets of Views + Panels + Widgets, from the program's constants), though no
// name-and-type match could tie `INotifier` to the heap's `Notifier`; the constructor line carries its own share.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { HeapLensApi } from '../../src/extension';
import type { SnapshotRecord } from '../../src/snapshots/snapshotStore';
import { formatCount } from '../../src/common/numbers';
import { fixtureSource, markedLine, readConstant, RunningFixture } from '../support/fixtures';

const manifest = JSON.parse(fs.readFileSync(require.resolve('../../../package.json'), 'utf8')) as { publisher: string; name: string };

describe('Code lenses on the += lines the agent names (EventSites)', function () {
  this.timeout(300_000);
  const source = fixtureSource('EventSites');
  const interfaceLine = markedLine(source, 'site-interface') - 1;
  const constructorLine = markedLine(source, 'site-ctor') - 1;
  const views = readConstant(source, 'Views');
  const widgets = readConstant(source, 'Widgets');
  const total = views + readConstant(source, 'Panels') + widgets;
  let api: HeapLensApi;
  let document: vscode.TextDocument;
  let fixture: RunningFixture | undefined;
  let record: SnapshotRecord | undefined;
  let seen = '';

  async function titlesOn(line: number): Promise<vscode.CodeLens[]> {
    const all = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 100)) ?? [];
    seen = all.map((l) => `${l.range.start.line + 1}: ${l.command?.title}`).join(' | ');
    return all.filter((l) => l.range.start.line === line);
  }

  before(async function () {
    const extension = vscode.extensions.getExtension<HeapLensApi>(`${manifest.publisher}.${manifest.name}`);
    assert.ok(extension, 'HeapLens is not loaded');
    api = await extension.activate();
    document = await vscode.workspace.openTextDocument(source);
    await vscode.window.showTextDocument(document);
  });

  after(async function () {
    await fixture?.stop();
    if (record) await vscode.commands.executeCommand('heaplens.deleteSnapshot', record, { confirmed: true });
  });

  it('puts the heap’s evidence on the interface subscription, with the handlers it added', async function () {
    fixture = await RunningFixture.start('EventSites');
    record = await vscode.commands.executeCommand<SnapshotRecord>('heaplens.captureHeap', { pid: fixture.pid });
    assert.ok(record, 'the capture made no snapshot (see the HeapLens log)');
    assert.strictEqual(api.snapshots.selectedId, record.id);

    const expected = new RegExp(`^⚠ ${formatCount(widgets)} of ${formatCount(total)} handlers added here, kept alive by Notifier\\.Changed \\([\\d.]+ [KM]?B in all\\)$`);
    const deadline = Date.now() + 180_000;
    let lens: vscode.CodeLens | undefined;
    while (!(lens = (await titlesOn(interfaceLine)).find((l) => expected.test(l.command?.title ?? '')))) {
      if (Date.now() > deadline) throw new Error(`no heap lens on line ${interfaceLine + 1}; lenses seen: ${seen}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.strictEqual(lens.command?.command, 'heaplens.showRetentionPaths');
    const own = await api.codeLens.provider!.provideCodeLenses(document, new vscode.CancellationTokenSource().token);
    const tooltip = own.find((l) => l.range.start.line === interfaceLine && expected.test(l.command?.title ?? ''))?.command?.tooltip ?? '';
    assert.match(tooltip, /EventSites\.Program\.AttachWidgets calls add_Changed here \(found in the program's IL\)/);

    await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));
    const paths = await api.retentionPaths.paths();
    assert.ok(
      paths.some((p) => p.links.some((l, i) => i > 0 && l.field === 'Changed' && p.links[i - 1].type === 'EventSites.Notifier')),
      'the click shows a path through Notifier.Changed',
    );
  });

  it('gives the constructor’s += its own share', async function () {
    const titles = (await titlesOn(constructorLine)).map((l) => l.command?.title ?? '');
    assert.ok(
      titles.some((t) => t.startsWith(`⚠ ${formatCount(views)} of ${formatCount(total)} handlers added here, kept alive by Notifier.Changed`)),
      `lenses seen: ${seen}`,
    );
  });
});
