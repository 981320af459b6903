// What /proc says about a process: does it exist, does it run the .NET runtime, where is its temp folder.
// Capture uses it to explain a failure (no such process, not .NET, diagnostics disabled) before touching sockets.
import * as fs from 'fs';
import * as path from 'path';

/** True while the process runs: /proc/<pid> exists and it is not a zombie waiting to be reaped. */
export function processExists(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The target's environment, or undefined when it cannot be read (another user's process, or it is gone). */
export function readEnvironment(pid: number): Map<string, string> | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    const env = new Map<string, string>();
    for (const entry of raw.split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
    return env;
  } catch {
    return undefined;
  }
}

/** The folder the target's runtime puts its diagnostics socket in: its TMPDIR, else /tmp. */
export function targetTempDir(pid: number): string {
  const tmp = readEnvironment(pid)?.get('TMPDIR');
  return tmp && path.isAbsolute(tmp) ? path.resolve(tmp) : '/tmp';
}

/** True when libcoreclr.so is mapped into the process, i.e. it runs CoreCLR (undefined when maps is unreadable). */
export function hasCoreClr(pid: number): boolean | undefined {
  try {
    return /\/libcoreclr\.(so|dylib)\b/.test(fs.readFileSync(`/proc/${pid}/maps`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * True when the target's environment turns the diagnostics server off. The runtime reads DOTNET_ first and
 * COMPlus_ as the legacy spelling; "0" disables. DOTNET_EnableDiagnostics_IPC=0 disables only the IPC part.
 */
export function diagnosticsDisabledByEnvironment(pid: number): boolean {
  const env = readEnvironment(pid);
  if (!env) return false;
  const off = (name: string) => (env.get(`DOTNET_${name}`) ?? env.get(`COMPlus_${name}`)) === '0';
  return off('EnableDiagnostics') || off('EnableDiagnostics_IPC');
}

/** The command line from /proc, for processes whose diagnostics server cannot be asked. */
export function readCommandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}

export interface ProcessUser {
  /** Effective user and group: what the process's files and sockets are created as. */
  uid: number;
  gid: number;
  /** Supplementary groups. */
  groups: number[];
}

/** The user a process runs as (from /proc/<pid>/status), or undefined when it is gone. */
export function processUser(pid: number): ProcessUser | undefined {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  // "Uid:\treal\teffective\tsaved\tfs": the second figure is the effective one.
  const ids = (name: string) => (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '').split(/\s+/).filter(Boolean).map(Number);
  const uid = ids('Uid')[1];
  const gid = ids('Gid')[1];
  if (uid === undefined || gid === undefined) return undefined;
  return { uid, gid, groups: ids('Groups') };
}
