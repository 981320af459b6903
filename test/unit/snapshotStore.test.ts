// The window's snapshot store: persistence across a reload (through a Memento-like storage), deleting a snapshot
// deletes only dumps HeapLens wrote, the baseline, and which snapshot a new one is compared with.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SnapshotOrigin, SnapshotStore, StateStorage, STORE_KEY } from '../../src/snapshots/snapshotStore';

/** A real in-memory Memento: what one window's workspaceState keeps across a reload. */
class MemoryState implements StateStorage {
  readonly values = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    // A round trip through JSON, as VS Code stores it.
    const value = this.values.get(key);
    return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as T);
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, JSON.parse(JSON.stringify(value)));
  }
}

describe('snapshot store', () => {
  let dir: string;
  const dump = (name: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, 'not really a dump', { mode: 0o600 });
    return file;
  };
  const process = (pid: number): SnapshotOrigin => ({ kind: 'process', name: 'Chain', pid, key: `pid:${pid}@1` });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-store-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('numbers snapshots, and restores them, the selection and the baseline after a reload', async () => {
    const state = new MemoryState();
    const store = new SnapshotStore(state);
    const a = await store.add({ dumpPath: dump('a.dmp'), ownsDump: true, origin: process(10), takenAt: 1000 });
    const b = await store.add({ dumpPath: dump('b.dmp'), ownsDump: true, origin: process(10), takenAt: 2000 });
    assert.deepStrictEqual([a.label, b.label], ['Chain #1', 'Chain #2']);
    await store.update(b.id, { objects: 10, bytes: 240 });
    await store.select(b.id);
    await store.setBaseline(a.id);
    await store.rename(a.id, '  before the leak  ');

    const reloaded = new SnapshotStore(state);
    assert.deepStrictEqual(reloaded.all().map((r) => [r.id, r.label, r.objects]), [
      [a.id, 'before the leak', undefined],
      [b.id, 'Chain #2', 10],
    ]);
    assert.strictEqual(reloaded.selectedId, b.id);
    assert.strictEqual(reloaded.baselineId, a.id);
    const c = await reloaded.add({ dumpPath: dump('c.dmp'), ownsDump: true, origin: process(10), takenAt: 3000 });
    assert.strictEqual(c.label, 'Chain #3', 'the numbering goes on after a reload');
  });

  it('drops snapshots whose dump was deleted outside VS Code, and says which', async () => {
    const state = new MemoryState();
    const store = new SnapshotStore(state);
    const gone = await store.add({ dumpPath: dump('gone.dmp'), ownsDump: true, origin: process(1), takenAt: 1 });
    await store.add({ dumpPath: dump('kept.dmp'), ownsDump: true, origin: process(1), takenAt: 2 });
    fs.rmSync(gone.dumpPath);
    const reloaded = new SnapshotStore(state);
    assert.deepStrictEqual(reloaded.all().map((r) => path.basename(r.dumpPath)), ['kept.dmp']);
    assert.deepStrictEqual(reloaded.missingOnLoad.map((r) => r.id), [gone.id]);
    assert.strictEqual((state.get<{ snapshots: unknown[] }>(STORE_KEY)?.snapshots ?? []).length, 1, 'the store is saved without it');
  });

  it('deletes the dump of a captured snapshot but never a dump opened from disk', async () => {
    const store = new SnapshotStore(new MemoryState());
    const captured = await store.add({ dumpPath: dump('captured.dmp'), ownsDump: true, origin: process(1), takenAt: 1 });
    const opened = await store.add({ dumpPath: dump('opened.dmp'), ownsDump: false, origin: { kind: 'dumpFile', name: 'opened.dmp' }, takenAt: 2 });
    await store.setBaseline(captured.id);
    assert.strictEqual(await store.remove(captured.id), captured.dumpPath);
    assert.strictEqual(fs.existsSync(captured.dumpPath), false);
    assert.strictEqual(store.baselineId, undefined, 'deleting the baseline clears it');
    assert.strictEqual(await store.remove(opened.id), undefined);
    assert.strictEqual(fs.existsSync(opened.dumpPath), true);
    assert.strictEqual(store.all().length, 0);
  });

  it('compares with the baseline when set, else with the previous snapshot of the same process', async () => {
    const store = new SnapshotStore(new MemoryState());
    const p1 = await store.add({ dumpPath: dump('1.dmp'), ownsDump: true, origin: process(10), takenAt: 1 });
    const other = await store.add({ dumpPath: dump('2.dmp'), ownsDump: true, origin: process(20), takenAt: 2 });
    const p2 = await store.add({ dumpPath: dump('3.dmp'), ownsDump: true, origin: process(10), takenAt: 3 });
    const file = await store.add({ dumpPath: dump('4.dmp'), ownsDump: false, origin: { kind: 'dumpFile', name: '4.dmp' }, takenAt: 4 });
    assert.strictEqual(store.comparisonFor(p1), undefined, 'the first snapshot of a process has nothing before it');
    assert.deepStrictEqual(store.comparisonFor(p2), { base: p1, reason: 'previous' });
    assert.strictEqual(store.comparisonFor(other), undefined, 'another process is not compared with');
    assert.strictEqual(store.comparisonFor(file), undefined, 'a dump from disk has no process to follow');
    await store.setBaseline(other.id);
    assert.deepStrictEqual(store.comparisonFor(p2), { base: other, reason: 'baseline' });
    assert.deepStrictEqual(store.comparisonFor(file), { base: other, reason: 'baseline' });
    assert.strictEqual(store.comparisonFor(other), undefined, 'the baseline is not compared with itself');
  });

  it('tells listeners what changed', async () => {
    const store = new SnapshotStore(new MemoryState());
    const seen: string[] = [];
    const subscription = store.onDidChange((change, record) => seen.push(`${change}:${record?.label ?? '-'}`));
    const a = await store.add({ dumpPath: dump('a.dmp'), ownsDump: true, origin: process(1), takenAt: 1 });
    await store.select(a.id);
    await store.setBaseline(a.id);
    await store.remove(a.id);
    subscription.dispose();
    await store.add({ dumpPath: dump('b.dmp'), ownsDump: true, origin: process(1), takenAt: 2 });
    assert.deepStrictEqual(seen, ['added:Chain #1', 'selection:Chain #1', 'baseline:Chain #1', 'removed:Chain #1']);
  });
});
