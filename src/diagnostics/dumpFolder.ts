// The folder captured dumps go in. HeapLens makes a folder private (0700) only when it creates it: one the user
// named that already exists (their workspace, their home) keeps its permissions, since each dump in it is 0600
// anyway, and the caller is told when others can list or change it.
import * as fs from 'fs';

export interface DumpFolder {
  /** True when HeapLens made the folder (and so made it 0700). */
  created: boolean;
  /** Set when the folder existed and others may list or change it: a line to show the user. */
  warning?: string;
}

/** Creates the folder (0700) when it is missing; throws a one-line message when it cannot be created or used. */
export function prepareDumpFolder(folder: string): DumpFolder {
  let made: string | undefined;
  try {
    made = fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Error(`the dump folder ${folder} is a file, not a folder`);
    throw new Error(`the dump folder ${folder} cannot be created (${code ?? String(err)})`);
  }
  if (made !== undefined) {
    // mkdir's mode passes through the umask; ours, so set it exactly.
    fs.chmodSync(folder, 0o700);
    return { created: true };
  }
  const mode = fs.statSync(folder).mode & 0o777;
  if ((mode & 0o077) === 0) return { created: false };
  return {
    created: false,
    warning: `The dump folder ${folder} is not private (mode ${mode.toString(8)}): HeapLens did not create it and leaves its permissions alone. Each dump is written 0600; to hide even their names, make the folder 0700 or choose another.`,
  };
}
