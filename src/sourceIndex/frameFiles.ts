// Which file Go to Source opens for a stack frame. The PDB names the path the program was built from, which a dump
// from elsewhere (or a crafted one) can set to any file on this machine: a file in the workspace is preferred, the
// PDB's own path is used as is only inside the workspace, and one outside it is only offered (the caller asks).
import * as fs from 'fs';
import * as path from 'path';

export type FrameFile = { file: string; inWorkspace: true } | { file: string; inWorkspace: false };

/** Characters a VS Code glob gives meaning to. */
const GLOB_SPECIAL = /[*?[\]{}!,]/g;

/**
 * A glob that finds files named `name` anywhere: each special character becomes `?` (any one character), so a
 * name like `Report[1].cs` cannot widen or break the pattern. Results must still be compared by name
 * (`sameName`), since `?` also matches other characters.
 */
export function fileNameGlob(name: string): string {
  return `**/${name.replace(GLOB_SPECIAL, '?')}`;
}

/** True when `candidate`'s file name is exactly `name`. */
export function sameName(candidate: string, name: string): boolean {
  return path.basename(candidate) === name;
}

/** True when `file` (links resolved) lies inside one of the folders. */
export function insideFolders(file: string, folders: readonly string[]): boolean {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return false;
  }
  return folders.some((folder) => {
    let root: string;
    try {
      root = fs.realpathSync(folder);
    } catch {
      return false;
    }
    const rel = path.relative(root, real);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  });
}

/**
 * Chooses the file for a frame: the PDB's path when it is in the workspace; else the workspace file with the same
 * name and the longest common tail of folders, when it shares the PDB path's folder too (a copy or another checkout
 * of the project), or by name alone when the PDB's file is not on this machine and the workspace has only one file of
 * that name; else the PDB's path outside the workspace (to be confirmed), if it exists; else undefined. A name alone
 * is not enough when more is known: every project has a Program.cs, and another program's, opened at this frame's
 * line, would look like an answer.
 */
export function chooseFrameFile(pdbPath: string, workspaceFolders: readonly string[], sameNamedInWorkspace: readonly string[]): FrameFile | undefined {
  if (insideFolders(pdbPath, workspaceFolders)) return { file: pdbPath, inWorkspace: true };
  const named = sameNamedInWorkspace
    .filter((f) => sameName(f, path.basename(pdbPath)))
    .sort((a, b) => commonTail(b, pdbPath) - commonTail(a, pdbPath) || a.localeCompare(b));
  const onThisMachine = fs.existsSync(pdbPath) && fs.statSync(pdbPath).isFile();
  if (named.length && (commonTail(named[0], pdbPath) >= 2 || (!onThisMachine && named.length === 1))) return { file: named[0], inWorkspace: true };
  if (onThisMachine) return { file: pdbPath, inWorkspace: false };
  return undefined;
}

/** How many trailing path parts two paths share. */
function commonTail(a: string, b: string): number {
  const x = a.split(/[\\/]/).reverse();
  const y = b.split(/[\\/]/).reverse();
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}
