// Host test: the code lenses on C# event subscriptions in a real VS Code, over the Events fixture's source. Without a
// snapshot the `+=` line (marked `heaplens:subscribe`) says "never unsubscribed"; after capturing the running program,
// it says how many subscribers the event keeps alive (InitialCount, from the program's constants) and the event's
// name, then the growth after a "grow" (GrowBy); its click shows the retention path; the setting turns lenses off.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { HeapLensApi } from '../../src/extension';
import type { SnapshotRecord } from '../../src/snapshots/snapshotStore';
import { formatCount } from '../../src/common/numbers';
import { fixtureSource, markedLine, readConstant, RunningFixture } from '../support/fixtures';

const manifest = JSON.parse(fs.readFileSync(require.resolve('../../../package.json'), 'utf8')) as { publisher: string; name: string };

async function heapLens(): Promise<HeapLensApi> {
  const extension = vscode.extensions.getExtension<HeapLensApi>(`${manifest.publisher}.${manifest.name}`);
  assert.ok(extension, 'HeapLens is not loaded');
  return extension.activate();
}

/** Polls `probe` until it returns a value, or fails after `ms` with `what` and the last value seen. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000, last?: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${last ? `; last seen: ${last()}` : ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('Code lenses on event subscriptions (Events)', function () {
  this.timeout(300_000);
  const source = fixtureSource('Events');
  const subscribeLine = markedLine(source, 'subscribe') - 1;
  const initialCount = readConstant(source, 'InitialCount');
  const growBy = readConstant(source, 'GrowBy');
  let api: HeapLensApi;
  let document: vscode.TextDocument;
  let fixture: RunningFixture | undefined;
  const captured: SnapshotRecord[] = [];
  let seen: string[] = [];

  /** The titles of every lens the providers give the document, and of those on the `+=` line. */
  async function lenses(): Promise<{ all: vscode.CodeLens[]; onLine: string[] }> {
    const all = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 100)) ?? [];
    const onLine = all.filter((l) => l.range.start.line === subscribeLine).map((l) => l.command?.title ?? '');
    seen = onLine;
    return { all, onLine };
  }

  before(async function () {
    api = await heapLens();
    await api.snapshots.select(undefined);
    document = await vscode.workspace.openTextDocument(source);
    await vscode.window.showTextDocument(document);
  });

  after(async function () {
    await fixture?.stop();
    for (const r of captured.reverse()) await vscode.commands.executeCommand('heaplens.deleteSnapshot', r, { confirmed: true });
    await vscode.workspace.getConfiguration('heaplens').update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Global);
  });

  it('says "never unsubscribed" on the += line without a snapshot, and nothing elsewhere', async function () {
    assert.strictEqual(api.snapshots.selectedSnapshot, undefined);
    const { all, onLine } = await waitFor('a lens on the += line', async () => {
      const found = await lenses();
      return found.onLine.length ? found : undefined;
    });
    assert.deepStrictEqual(onLine, ['⚠ never unsubscribed'], `lenses on line ${subscribeLine + 1}`);
    assert.deepStrictEqual(
      all.map((l) => l.range.start.line),
      [subscribeLine],
      'quiet on every other line (the file has one subscription)',
    );
    // The tooltip explains why (the command converter drops tooltips, so ask the provider itself).
    const own = await api.codeLens.provider!.provideCodeLenses(document, new vscode.CancellationTokenSource().token);
    assert.match(own[0].command?.tooltip ?? '', /^Program has no `-=` for Changed and no Dispose or unsubscribe method/);
  });

  it('parses a document once per version', async function () {
    const before = api.codeLens.sites.parses;
    await lenses();
    await lenses();
    assert.strictEqual(api.codeLens.sites.parses, before, 'no new parse for the same version');
  });

  it('after a capture, says how many subscribers Publisher.Changed keeps alive, and clicking shows the path', async function () {
    fixture = await RunningFixture.start('Events');
    const record = await vscode.commands.executeCommand<SnapshotRecord>('heaplens.captureHeap', { pid: fixture.pid });
    assert.ok(record, 'the capture made no snapshot (see the HeapLens log)');
    captured.push(record);
    assert.strictEqual(api.snapshots.selectedId, record.id);

    const count = formatCount(initialCount);
    const titles = await waitFor(
      `a lens with ${count} subscribers`,
      async () => {
        const { onLine } = await lenses();
        return onLine.some((t) => t.includes(count)) ? onLine : undefined;
      },
      120_000,
      () => seen.join(' | '),
    );
    const heap = titles.find((t) => t.includes(count))!;
    assert.match(heap, new RegExp(`^⚠ ${count} Subscriber kept alive by Publisher\\.Changed \\([\\d.]+ [KM]?B\\)$`), heap);
    assert.ok(titles.includes('⚠ never unsubscribed'), 'the static hint stays beside it');

    const lens = (await lenses()).all.find((l) => l.command?.title === heap)!;
    assert.strictEqual(lens.command?.command, 'heaplens.showRetentionPaths');
    await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));
    assert.strictEqual(api.retentionPaths.currentTarget?.recordId, record.id);
    const paths = await api.retentionPaths.paths();
    assert.ok(paths.length > 0, 'the lens’s target is retained');
    assert.ok(
      paths.some((p) => p.links.some((l, i) => i > 0 && l.field === 'Changed' && p.links[i - 1].type === 'Events.Publisher')),
      'a path goes through Publisher.Changed',
    );
  });

  it('after the program grows and is captured again, shows the growth since the first snapshot', async function () {
    await fixture!.grow();
    const record = await vscode.commands.executeCommand<SnapshotRecord>('heaplens.captureHeap', { pid: fixture!.pid });
    assert.ok(record, 'the second capture made no snapshot');
    captured.push(record);
    assert.strictEqual(api.snapshots.comparisonFor(record)?.base.id, captured[0].id);
    const expected = `${formatCount(initialCount + growBy)} Subscriber`;
    const growth = `+${formatCount(growBy)} since ${captured[0].label}`;
    await waitFor(
      `a lens with "${expected}" and "${growth}"`,
      async () => ((await lenses()).onLine.some((t) => t.includes(expected) && t.endsWith(growth)) ? true : undefined),
      120_000,
      () => seen.join(' | '),
    );
  });

  it('turns off with heaplens.codeLens.enabled', async function () {
    await vscode.workspace.getConfiguration('heaplens').update('codeLens.enabled', false, vscode.ConfigurationTarget.Global);
    await waitFor('no HeapLens lens', async () => ((await lenses()).all.length === 0 ? true : undefined), 10_000, () => seen.join(' | '));
    assert.strictEqual(api.codeLens.provider, undefined, 'the provider is unregistered');
    await vscode.workspace.getConfiguration('heaplens').update('codeLens.enabled', true, vscode.ConfigurationTarget.Global);
    await waitFor('the lenses back', async () => ((await lenses()).onLine.length > 0 ? true : undefined), 10_000);
  });
});
