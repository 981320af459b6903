// The agent keeps a snapshot's heap index in a file beside its dump (`<dump>.heaplens-index`, owner-only), so
// opening the same dump again reads the index instead of walking the heap. The file belongs to the dump: whoever
// deletes a dump HeapLens wrote deletes it with removeDump, and with it any temporary file an agent was writing it to
// (`<dump>.heaplens-index.<pid>.<n>.tmp`). Only the agent writes and reads its contents
// (agent/HeapLens.Agent/Index/IndexCache.cs).
import * as fs from 'fs';
import * as path from 'path';

export const INDEX_CACHE_SUFFIX = '.heaplens-index';

/** Where the agent keeps the index of this dump. */
export function indexCachePath(dumpPath: string): string {
  return dumpPath + INDEX_CACHE_SUFFIX;
}

/** Deletes a dump and its index cache (either may be missing), and the cache's temporary files. */
export function removeDump(dumpPath: string): void {
  fs.rmSync(dumpPath, { force: true });
  const cache = indexCachePath(dumpPath);
  fs.rmSync(cache, { force: true });
  const prefix = `${path.basename(cache)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(cache));
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) fs.rmSync(path.join(path.dirname(cache), name), { force: true });
  }
}
