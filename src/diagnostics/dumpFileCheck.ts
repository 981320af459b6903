// Checks that a file looks like a dump before an agent is started for it: one wording for the CLI, Open Dump and
// the debug adapter (each adds what to do in its own terms: a path argument, a file pick, the "dumpPath" setting).
// The agent checks more (truncation, crafted headers) once it opens the file.
import * as fs from 'fs';
import * as path from 'path';

export class DumpFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DumpFileError';
  }
}

/** First bytes of the dump formats ClrMD reads: ELF core, Windows minidump, Mach-O core (64-bit). */
const DUMP_MAGICS = [Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.from('MDMP', 'ascii'), Buffer.from([0xcf, 0xfa, 0xed, 0xfe])];

/** Returns the dump's absolute path, or throws a DumpFileError ending with `todo` (what the user should do). */
export function checkDumpFile(file: string, todo: string): string {
  const abs = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new DumpFileError(`No dump at ${abs}: ${todo}.`);
  }
  if (stat.isDirectory()) throw new DumpFileError(`${abs} is a folder, not a dump file: ${todo}.`);
  if (stat.size === 0) throw new DumpFileError(`${abs} is empty: the capture that wrote it did not finish. Capture again.`);
  const head = Buffer.alloc(4);
  try {
    const fd = fs.openSync(abs, 'r');
    try {
      fs.readSync(fd, head, 0, 4, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new DumpFileError(`Cannot read ${abs} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): run as its owner, or fix its permissions.`);
  }
  if (!DUMP_MAGICS.some((m) => head.equals(m))) throw new DumpFileError(`${abs} is not a core dump (no ELF, minidump or Mach-O header): ${todo}.`);
  return abs;
}
