// Host test: the snapshot summary page (a webview) in a real VS Code. The Events fixture is captured, grown and
// captured again; the page of the second snapshot draws the generations of each GC heap, the top types (the
// subscribers and their buffers lead, from the program's construction), the growth line of the subscribers across
// the two snapshots, and reports back what it drew. Its content security policy is strict, and it follows only the
// links it was given.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { HeapLensApi } from '../../src/extension';
import type { SummaryPanel } from '../../src/features/summary/summaryPanel';
import type { SnapshotRecord } from '../../src/snapshots/snapshotStore';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const manifest = JSON.parse(fs.readFileSync(require.resolve('../../../package.json'), 'utf8')) as { publisher: string; name: string };

async function heapLens(): Promise<HeapLensApi> {
  const extension = vscode.extensions.getExtension<HeapLensApi>(`${manifest.publisher}.${manifest.name}`);
  assert.ok(extension, 'HeapLens is not loaded');
  return extension.activate();
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('The snapshot summary page (Events)', function () {
  this.timeout(300_000);
  const source = fixtureSource('Events');
  const initialCount = readConstant(source, 'InitialCount');
  const growBy = readConstant(source, 'GrowBy');
  const bufferBytes = readConstant(source, 'BufferBytes');
  let api: HeapLensApi;
  let fixture: RunningFixture;
  const captured: SnapshotRecord[] = [];
  let page: SummaryPanel;

  before(async function () {
    api = await heapLens();
    fixture = await RunningFixture.start('Events');
    for (let n = 0; n < 2; n++) {
      if (n === 1) await fixture.grow();
      const record = await vscode.commands.executeCommand<SnapshotRecord>('heaplens.captureHeap', { pid: fixture.pid });
      assert.ok(record, 'the capture made no snapshot (see the HeapLens log)');
      captured.push(record);
    }
  });

  after(async function () {
    page?.dispose();
    await fixture?.stop();
    for (const r of captured.reverse()) await vscode.commands.executeCommand('heaplens.deleteSnapshot', r, { confirmed: true });
  });

  it('opens for a snapshot with a strict content security policy', async function () {
    const shown = await vscode.commands.executeCommand<SummaryPanel>('heaplens.showSummary', captured[1]);
    assert.ok(shown, 'Show Summary returned no page');
    page = shown;
    assert.strictEqual(api.summaries.get(captured[1].id), page);
    assert.strictEqual(page.panel.title, `Summary: ${captured[1].label}`);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page.html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, `scripts only with a nonce: ${csp}`);
    // The webview's own resource origin (cspSource: the extension's files as VS Code serves them) is the only other source.
    const others = csp.split(page.panel.webview.cspSource).join('');
    assert.ok(!/unsafe-inline|unsafe-eval|https?:|\*/.test(others), `nothing inline, nothing else from the network: ${csp}`);
    const scripts = [...page.html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    assert.ok(scripts.length > 0 && scripts.every((attrs) => attrs.includes(`nonce="${nonce}"`)), 'every script carries the nonce');
    assert.ok(!/style="/.test(page.html), 'no inline style');
  });

  it('draws the generations, the top types and the growth, and says what it drew', async function () {
    const report = await waitFor('the page to report what it drew', () => page.lastReport);
    const state = page.currentState!;
    assert.deepStrictEqual(report.generations, ['gen0', 'gen1', 'gen2', 'LOH', 'POH']);
    assert.ok(state.heaps.length >= 1);
    assert.strictEqual(report.heapBars, state.heaps.length, 'one bar per GC heap');
    const heapBytes = state.heaps.reduce((sum, h) => sum + h.gen0 + h.gen1 + h.gen2 + h.loh + h.poh, 0);
    // The generations hold every object, live or not: live bytes, unreachable bytes (dead, not yet collected), free space.
    const unreachable = state.snapshot.unreachable?.bytes ?? 0;
    assert.strictEqual(heapBytes - state.heaps.reduce((sum, h) => sum + h.free, 0), state.snapshot.bytes + unreachable, 'the generations add up to the live and unreachable bytes plus free space');

    // Every subscriber holds a BufferBytes array: InitialCount + GrowBy of each, among the largest types.
    assert.deepStrictEqual(report.topTypes, state.topTypes.map((t) => t.name), 'one bar per top type, largest first');
    const subscribers = state.topTypes.find((t) => t.name === 'Events.Subscriber');
    assert.strictEqual(subscribers?.count, initialCount + growBy, `top types: ${report.topTypes.join(', ')}`);
    const buffers = state.topTypes.find((t) => t.name === 'System.Byte[]');
    assert.ok(buffers && buffers.bytes >= (initialCount + growBy) * bufferBytes, 'the subscribers’ buffers are among the top types');

    assert.deepStrictEqual(state.session.map((p) => p.snapshotId), captured.map((r) => r.id), 'both snapshots of the process, oldest first');
    const line = state.growth.find((g) => g.type === 'Events.Subscriber');
    assert.deepStrictEqual(line?.counts, [initialCount, initialCount + growBy]);
    assert.ok(report.growthSeries.includes('Events.Subscriber'), `lines drawn: ${report.growthSeries.join(', ')}`);

    // The agent's insights, compared with the first snapshot: the event grew by GrowBy handlers.
    const events = state.insights?.find((i) => i.kind === 'event-handlers' && i.figures.event === 'Changed');
    assert.ok(events, `no event-handlers insight: ${state.insightsNote ?? state.insights?.map((i) => i.title).join(' | ')}`);
    assert.strictEqual(events.figures.delegatesGrowth, growBy);
    assert.ok(report.insights.includes(events.title), `insights drawn: ${report.insights.join(' | ')}`);
    assert.ok(events.links.some((l) => l.kind === 'type' && l.type === 'Events.Subscriber'));
  });

  it('follows a type to Heap Types, and ignores links it was not given', async function () {
    await page.follow({ kind: 'type', type: 'Events.Subscriber' });
    assert.strictEqual(api.heapTypes.typeFilter, 'Events.Subscriber');
    assert.strictEqual(api.snapshots.selectedId, captured[1].id);
    await vscode.commands.executeCommand('heaplens.clearHeapTypeFilter');
    await assert.rejects(page.follow({ kind: 'source', file: '/etc/passwd', line: 1 }), /was not given/);

    // An insight's object link shows its retention path.
    const retention = page.currentState!.insights!.flatMap((i) => i.links).find((l) => l.kind === 'retention');
    assert.ok(retention?.kind === 'retention' && retention.address, 'an insight names an object to explain');
    await page.follow(retention);
    assert.deepStrictEqual([api.retentionPaths.currentTarget?.recordId, api.retentionPaths.currentTarget?.address], [captured[1].id, retention.address]);
  });
});
