// Where a session keeps the dumps it writes: one private folder (0700) per session under the temp directory,
// dumps in it owner-only (0600), all of it deleted when the session ends. Dumps hold the program's secrets, so the
// folder also goes when the adapter exits, and folders left by an adapter that was killed are swept on next use.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { removeDump } from '../snapshots/indexCache';

const PREFIX = 'heaplens-session-';
const live = new Set<string>();
let hooked = false;

function removeLiveAtExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const dir of live) fs.rmSync(dir, { recursive: true, force: true });
  });
}

/** Removes the folders of adapters that are gone: the folder name carries the adapter's pid. */
function sweepAbandoned(tmp: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!match || fs.existsSync(`/proc/${match[1]}`)) continue;
    try {
      const dir = path.join(tmp, name);
      if (fs.statSync(dir).uid === process.getuid?.()) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* not ours, or already gone */
    }
  }
}

export class SnapshotFiles {
  private dir: string | undefined;
  private counter = 0;

  /** A fresh path for the next dump of process `pid` inside the private folder (created on first use). */
  nextPath(pid: number): string {
    if (!this.dir) {
      const tmp = os.tmpdir();
      sweepAbandoned(tmp);
      this.dir = fs.mkdtempSync(path.join(tmp, `${PREFIX}${process.pid}-`));
      fs.chmodSync(this.dir, 0o700);
      live.add(this.dir);
      removeLiveAtExit();
    }
    this.counter += 1;
    return path.join(this.dir, `snapshot-${pid}-${this.counter}.dmp`);
  }

  /** True for a dump this session wrote into its private folder (and so may delete). */
  owns(file: string): boolean {
    return this.dir !== undefined && path.dirname(file) === this.dir;
  }

  remove(file: string): void {
    if (this.owns(file)) removeDump(file);
  }

  dispose(): void {
    if (!this.dir) return;
    fs.rmSync(this.dir, { recursive: true, force: true });
    live.delete(this.dir);
    this.dir = undefined;
  }
}
