// Adds a dump to the window's snapshots: records it, opens it in the agent (which reads the heap and builds its
// index), stores the totals, and selects it so the Heap Types view shows it. Shared by Capture Heap and Open Dump.
import { Cancellation, CancelledError } from '../../common/async';
import { removeDump } from '../../snapshots/indexCache';
import { SnapshotOrigin, SnapshotRecord } from '../../snapshots/snapshotStore';
import { HeapLensServices } from '../services';

export interface NewSnapshot {
  dumpPath: string;
  ownsDump: boolean;
  origin: SnapshotOrigin;
  takenAt?: number;
  /** Whether a full GC ran just before the dump (captures only). */
  collected?: boolean;
}

/** Opens the dump first, so a dump the agent cannot read leaves no snapshot behind (and a captured one no file). */
export async function addSnapshot(services: HeapLensServices, snapshot: NewSnapshot, cancellation?: Cancellation): Promise<SnapshotRecord> {
  const { store, analysis } = services;
  const record = await store.add({ dumpPath: snapshot.dumpPath, ownsDump: snapshot.ownsDump, origin: snapshot.origin, takenAt: snapshot.takenAt ?? Date.now(), collected: snapshot.collected });
  try {
    const info = await analysis.open(record, cancellation);
    if (cancellation?.isCancellationRequested) throw new CancelledError();
    await store.update(record.id, { objects: info.objects, bytes: info.bytes, runtimeVersion: info.runtimeVersion });
    services.logger.info(`opened ${record.label}: ${info.objects} objects, ${info.bytes} bytes, indexed in ${info.indexMs} ms (${record.dumpPath})`);
  } catch (err) {
    await analysis.forget(record);
    await store.remove(record.id);
    if (!snapshot.ownsDump) return Promise.reject(err);
    removeDump(snapshot.dumpPath);
    throw err;
  }
  await store.select(record.id);
  return record;
}
