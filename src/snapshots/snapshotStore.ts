// The snapshots of one window: where each dump is, where it came from, its totals, which one is selected and
// which one is the baseline. Persisted through a Memento-like storage (the window's workspaceState), so snapshots
// and their dumps survive a reload until the user deletes them. Pure: no vscode values, unit-tested.
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import { removeDump } from './indexCache';

/** Where a snapshot came from. `key` groups the snapshots of one process, for "compared with the previous one". */
export interface SnapshotOrigin {
  kind: 'debugSession' | 'process' | 'dumpFile';
  /** What people call it: the debug session's name, the program, or the file. */
  name: string;
  pid?: number;
  /** The debug type of the session, when it came from one. */
  debugType?: string;
  /** Same key, same process (pid and start time) or same debug session; absent for dump files. */
  key?: string;
}

export interface SnapshotRecord {
  /** Stable for the snapshot's life, across reloads. */
  id: string;
  label: string;
  /** When the dump was taken (captures) or opened (files), ms since the epoch. */
  takenAt: number;
  dumpPath: string;
  /** True when HeapLens wrote the dump, so deleting the snapshot deletes the file. */
  ownsDump: boolean;
  origin: SnapshotOrigin;
  /** Live objects and their bytes, once the agent has opened the dump. */
  objects?: number;
  bytes?: number;
  runtimeVersion?: string;
  /**
   * Captures: true when a full GC ran just before the dump (it holds live objects only), false when it was
   * written as it was (a paused session, or heaplens.collectBeforeCapture off). Absent for dumps opened from disk.
   */
  collected?: boolean;
}

/** The part of vscode.Memento the store uses. */
export interface StateStorage {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

interface PersistedState {
  version: 1;
  counter: number;
  snapshots: SnapshotRecord[];
  baselineId?: string;
  selectedId?: string;
}

export const STORE_KEY = 'heaplens.snapshots';

export type StoreChange = 'added' | 'removed' | 'updated' | 'selection' | 'baseline';

export interface SnapshotComparison {
  base: SnapshotRecord;
  /** Why this one: the user's baseline, or the previous snapshot of the same process or session. */
  reason: 'baseline' | 'previous';
}

export class SnapshotStore {
  private records: SnapshotRecord[] = [];
  private counter = 0;
  private baseline: string | undefined;
  private selected: string | undefined;
  private readonly events = new EventEmitter();
  /** Snapshots dropped on load because their dump was gone (deleted outside VS Code). */
  readonly missingOnLoad: SnapshotRecord[] = [];

  constructor(private readonly storage: StateStorage) {
    const state = storage.get<PersistedState>(STORE_KEY);
    if (state?.version === 1 && Array.isArray(state.snapshots)) {
      for (const r of state.snapshots) {
        if (!isRecord(r)) continue;
        if (fs.existsSync(r.dumpPath)) this.records.push(r);
        else this.missingOnLoad.push(r);
      }
      this.counter = Number.isSafeInteger(state.counter) ? state.counter : this.records.length;
      this.baseline = this.find(state.baselineId)?.id;
      this.selected = this.find(state.selectedId)?.id;
      if (this.missingOnLoad.length) void this.save();
    }
  }

  /** Called with what changed and the snapshot concerned. */
  onDidChange(listener: (change: StoreChange, record: SnapshotRecord | undefined) => void): { dispose(): void } {
    this.events.on('change', listener);
    return { dispose: () => this.events.off('change', listener) };
  }

  /** Oldest first. */
  all(): readonly SnapshotRecord[] {
    return this.records;
  }

  find(id: string | undefined): SnapshotRecord | undefined {
    return id === undefined ? undefined : this.records.find((r) => r.id === id);
  }

  get selectedId(): string | undefined {
    return this.selected;
  }
  get selectedSnapshot(): SnapshotRecord | undefined {
    return this.find(this.selected);
  }
  get baselineId(): string | undefined {
    return this.baseline;
  }

  /** Adds a snapshot with the next number in its label ("Chain #3") and returns it. */
  async add(fields: Omit<SnapshotRecord, 'id' | 'label'> & { label?: string }): Promise<SnapshotRecord> {
    this.counter++;
    const record: SnapshotRecord = {
      ...fields,
      id: `s${fields.takenAt.toString(36)}-${this.counter}`,
      label: fields.label ?? `${fields.origin.name} #${this.counter}`,
    };
    this.records.push(record);
    this.records.sort((a, b) => a.takenAt - b.takenAt);
    await this.save();
    this.emit('added', record);
    return record;
  }

  async update(id: string, fields: Partial<Pick<SnapshotRecord, 'objects' | 'bytes' | 'runtimeVersion'>>): Promise<void> {
    const record = this.find(id);
    if (!record) return;
    Object.assign(record, fields);
    await this.save();
    this.emit('updated', record);
  }

  async rename(id: string, label: string): Promise<void> {
    const record = this.find(id);
    const trimmed = label.trim();
    if (!record || !trimmed) return;
    record.label = trimmed;
    await this.save();
    this.emit('updated', record);
  }

  /** Forgets the snapshot and, when HeapLens wrote its dump, deletes the file. Returns the file deleted, if any. */
  async remove(id: string): Promise<string | undefined> {
    const record = this.find(id);
    if (!record) return undefined;
    this.records = this.records.filter((r) => r.id !== id);
    if (this.baseline === id) this.baseline = undefined;
    if (this.selected === id) this.selected = undefined;
    let deleted: string | undefined;
    if (record.ownsDump) {
      removeDump(record.dumpPath);
      deleted = record.dumpPath;
    }
    await this.save();
    this.emit('removed', record);
    return deleted;
  }

  async select(id: string | undefined): Promise<void> {
    if (id !== undefined && !this.find(id)) return;
    if (this.selected === id) return;
    this.selected = id;
    await this.save();
    this.emit('selection', this.find(id));
  }

  async setBaseline(id: string | undefined): Promise<void> {
    if (id !== undefined && !this.find(id)) return;
    this.baseline = id;
    await this.save();
    this.emit('baseline', this.find(id));
  }

  /** The latest snapshot taken before `record` of the same process or debug session. */
  previousOf(record: SnapshotRecord): SnapshotRecord | undefined {
    if (!record.origin.key) return undefined;
    const index = this.records.indexOf(record);
    for (let i = index - 1; i >= 0; i--) {
      if (this.records[i].origin.key === record.origin.key) return this.records[i];
    }
    return undefined;
  }

  /** What the Heap Types view compares `record` with: the baseline when set (and not itself), else its previous. */
  comparisonFor(record: SnapshotRecord): SnapshotComparison | undefined {
    const baseline = this.find(this.baseline);
    if (baseline && baseline.id !== record.id) return { base: baseline, reason: 'baseline' };
    const previous = this.previousOf(record);
    return previous ? { base: previous, reason: 'previous' } : undefined;
  }

  private emit(change: StoreChange, record: SnapshotRecord | undefined): void {
    this.events.emit('change', change, record);
  }

  private save(): Promise<void> {
    const state: PersistedState = { version: 1, counter: this.counter, snapshots: this.records, baselineId: this.baseline, selectedId: this.selected };
    return Promise.resolve(this.storage.update(STORE_KEY, state));
  }
}

function isRecord(value: unknown): value is SnapshotRecord {
  const r = value as SnapshotRecord;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.id === 'string' &&
    typeof r.label === 'string' &&
    typeof r.takenAt === 'number' &&
    typeof r.dumpPath === 'string' &&
    path.isAbsolute(r.dumpPath) &&
    typeof r.origin === 'object' &&
    r.origin !== null
  );
}
