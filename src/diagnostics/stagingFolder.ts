// The folder a dump is written in before it is moved into place, beside its destination.
//
// Capturing another user's process as root, that user's createdump must be able to write there, and so can
// everything else running as that user, the target included: it may swap the dump for a symbolic or hard link to
// a file of ours, which a later chmod or rename would follow. So the runtime gets a folder of its own inside one of
// ours (0711: it may pass through, not list or rename), we take that folder back before looking inside, and touch
// the dump only through a descriptor opened without following links. The destination itself must be a folder
// that user cannot change (nor any folder above it), or it could move our folder away under us.
import * as fs from 'fs';
import * as path from 'path';
import { CaptureError } from './captureError';
import { ProcessUser, processUser } from './procfs';

const STICKY = 0o1000;

interface LentFolder {
  dir: string;
  ino: number;
  /** Still the target user's (false once taken back). */
  lent: boolean;
}

export class StagingFolder {
  private constructor(
    /** The real path (no links) of the folder the dump ends in. */
    readonly destination: string,
    private readonly own: string,
    private readonly ownIno: number,
    private readonly pid: number,
    private runtime: LentFolder | undefined,
  ) {}

  /** A fresh private folder in `dir`, with a folder lent to process `pid`'s user when we are root and it is not. */
  static create(dir: string, pid: number): StagingFolder {
    let destination: string;
    try {
      destination = fs.realpathSync(dir);
    } catch (err) {
      throw unwritable(dir, err);
    }
    const user = processUser(pid);
    const lend = process.getuid?.() === 0 && user !== undefined && user.uid !== 0 ? user : undefined;
    if (lend) refuseChangeableFolders(destination, lend, pid);
    let own: string;
    try {
      own = fs.mkdtempSync(path.join(destination, '.heaplens-capture-'));
    } catch (err) {
      throw unwritable(destination, err);
    }
    try {
      fs.chmodSync(own, lend ? 0o711 : 0o700);
      const staging = new StagingFolder(destination, own, fs.lstatSync(own).ino, pid, undefined);
      if (lend) {
        const lentDir = path.join(own, 'runtime');
        fs.mkdirSync(lentDir, { mode: 0o700 });
        fs.lchownSync(lentDir, lend.uid, lend.gid);
        staging.runtime = { dir: lentDir, ino: fs.lstatSync(lentDir).ino, lent: true };
      }
      return staging;
    } catch (err) {
      fs.rmSync(own, { recursive: true, force: true });
      throw new CaptureError('path-not-writable', `Cannot prepare ${destination} for the dump: ${(err as Error).message}. Choose another destination.`);
    }
  }

  /** The absolute path the runtime is told to write. */
  fileFor(name: string): string {
    return path.join(this.runtime?.dir ?? this.own, name);
  }

  /**
   * Moves the runtime's dump to `target` as an owner-only file of ours and returns its size. A link, or anything
   * but a plain file with one name, is refused untouched.
   */
  moveOut(name: string, target: string): number {
    this.takeBack();
    const staged = this.fileFor(name);
    const seen = fs.lstatSync(staged, { throwIfNoEntry: false });
    if (!seen) throw new CaptureError('runtime-error', `The runtime of process ${this.pid} reported success but wrote no dump. Try again, or capture with --full.`);
    if (!seen.isFile() || seen.nlink !== 1) throw this.notADump(seen);
    const fd = fs.openSync(staged, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const opened = fs.fstatSync(fd);
      if (opened.ino !== seen.ino || opened.dev !== seen.dev || opened.nlink !== 1) throw this.notADump(opened);
      fs.fchmodSync(fd, 0o600);
      // Ours from now on: the target's user no longer owns (and could rewrite) what we will analyse.
      if (this.runtime) fs.fchownSync(fd, process.getuid!(), process.getgid!());
      fs.renameSync(staged, target);
      return opened.size;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Removes the folder and whatever is left in it (after taking back a lent folder, so no link inside is followed). */
  remove(): void {
    try {
      this.takeBack();
    } catch {
      /* our folder is no longer ours: remove only what still is */
    }
    fs.rmSync(this.own, { recursive: true, force: true });
  }

  /** Makes the lent folder ours again (0700), once we know both folders are still the ones we made. */
  private takeBack(): void {
    const lent = this.runtime;
    if (!lent?.lent) return;
    const own = fs.lstatSync(this.own);
    const dir = fs.lstatSync(lent.dir);
    if (!own.isDirectory() || own.ino !== this.ownIno || !dir.isDirectory() || dir.ino !== lent.ino) {
      throw new CaptureError('unsafe-path', `The staging folder of the dump of process ${this.pid} was replaced while the dump was written; nothing in it was followed or kept.`);
    }
    fs.lchownSync(lent.dir, process.getuid!(), process.getgid!());
    fs.chmodSync(lent.dir, 0o700);
    lent.lent = false;
  }

  private notADump(st: fs.Stats): CaptureError {
    const what = st.isSymbolicLink() ? 'a symbolic link' : st.isFile() ? `a file with ${st.nlink} names (hard links)` : 'not a file';
    return new CaptureError(
      'unsafe-path',
      `What process ${this.pid} left as its dump is ${what}, not a plain file: HeapLens neither followed nor kept it. That process or its user may be hostile; check it before capturing again.`,
    );
  }
}

/** Refuses a destination when `user` could rename it or a folder above it (and so swap our folder for a link). */
function refuseChangeableFolders(destination: string, user: ProcessUser, pid: number): void {
  for (let dir = destination; ; dir = path.dirname(dir)) {
    const st = fs.lstatSync(dir);
    const inGroup = st.gid === user.gid || user.groups.includes(st.gid);
    const writable = (st.mode & 0o002) !== 0 || ((st.mode & 0o020) !== 0 && inGroup);
    // In a sticky folder (like /tmp) only an entry's owner may rename it, and our folder is ours.
    if (st.uid === user.uid || (writable && (st.mode & STICKY) === 0)) {
      throw new CaptureError(
        'unsafe-path',
        `Capturing as root, HeapLens writes a dump only where the user of process ${pid} (uid ${user.uid}) cannot change the folders: ${dir} can be changed by that user. Choose a destination outside its folders (e.g. under /root or /var/tmp).`,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

function unwritable(dir: string, err: unknown): CaptureError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' && !fs.existsSync(dir) ? 'does not exist' : code === 'EROFS' ? 'is on a read-only file system' : `cannot be written (${code ?? String(err)})`;
  return new CaptureError('path-not-writable', `Cannot write the dump: the folder ${dir} ${why}. Choose another destination.`);
}
