// The agent keeps a snapshot's heap index in a file beside its dump (`<dump>.heaplens-index`, owner-only), so
// opening the same dump again reads the index instead of walking the heap. The file belongs to the dump: whoever
// deletes a dump HeapLens wrote deletes it with removeDump. Only the agent writes and reads its contents
// (agent/HeapLens.Agent/Index/IndexCache.cs).
import * as fs from 'fs';

export const INDEX_CACHE_SUFFIX = '.heaplens-index';

/** Where the agent keeps the index of this dump. */
export function indexCachePath(dumpPath: string): string {
  return dumpPath + INDEX_CACHE_SUFFIX;
}

/** Deletes a dump and its index cache (either may be missing). */
export function removeDump(dumpPath: string): void {
  fs.rmSync(dumpPath, { force: true });
  fs.rmSync(indexCachePath(dumpPath), { force: true });
}
