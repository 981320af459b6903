// Finds the diagnostics sockets that .NET runtimes open: $TMPDIR/dotnet-diagnostic-<pid>-<key>-socket, where
// TMPDIR is the target's own and key is the process start time (so a reused pid can be told apart). A socket
// counts only when the process's own user made it: anyone can put a file of that name in /tmp, and a planted
// server would be told where we write dumps and answer for the process.
import * as fs from 'fs';
import * as path from 'path';
import { processUser, targetTempDir } from './procfs';

export interface DiagnosticSocket {
  pid: number;
  /** The disambiguation key in the name: the process start time in clock ticks since boot. */
  key: string;
  path: string;
  mtimeMs: number;
  /** The user who made the socket. */
  uid: number;
}

const SOCKET_NAME = /^dotnet-diagnostic-(\d+)-(\d+)-socket$/;

export function parseSocketName(name: string): { pid: number; key: string } | undefined {
  const match = SOCKET_NAME.exec(name);
  return match ? { pid: Number(match[1]), key: match[2] } : undefined;
}

/** The start time of a process (field 22 of /proc/<pid>/stat), which the runtime uses as the socket key. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields after the last ")" are safe to split.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[22 - 3];
  } catch {
    return undefined;
  }
}

/** The state letter of a process (field 3 of /proc/<pid>/stat): "T" stopped by a signal, "t" by a tracer. */
export function processState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Every diagnostics socket in the given folders (unreadable folders are skipped; a link to a socket is not one). */
export function scanSocketDirs(dirs: Iterable<string>): DiagnosticSocket[] {
  const found: DiagnosticSocket[] = [];
  for (const dir of new Set(dirs)) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const parsed = parseSocketName(name);
      if (!parsed) continue;
      const full = path.join(dir, name);
      try {
        const st = fs.lstatSync(full);
        if (st.isSocket()) found.push({ ...parsed, path: full, mtimeMs: st.mtimeMs, uid: st.uid });
      } catch {
        /* removed while we looked */
      }
    }
  }
  return found;
}

/**
 * Of several sockets for one pid, the one its current process opened: the key that equals the process's start
 * time when we can read it, else the newest file (older ones are left behind by a process that died).
 */
export function pickSocket(candidates: DiagnosticSocket[], startTime?: string): DiagnosticSocket | undefined {
  if (candidates.length === 0) return undefined;
  if (startTime) {
    const exact = candidates.filter((c) => c.key === startTime);
    if (exact.length) return newest(exact);
  }
  return newest(candidates);
}

function newest(sockets: DiagnosticSocket[]): DiagnosticSocket {
  return sockets.reduce((a, b) => (b.mtimeMs > a.mtimeMs || (b.mtimeMs === a.mtimeMs && BigInt(b.key) > BigInt(a.key)) ? b : a));
}

/** The folders a process's socket can be in: its TMPDIR, and /tmp. */
export function socketDirsFor(pid: number): string[] {
  return [...new Set([targetTempDir(pid), '/tmp'])];
}

/** The sockets made by the process's own user; the others (planted by someone else) are never written to. */
export function ownSockets(pid: number, candidates: DiagnosticSocket[]): { own: DiagnosticSocket[]; foreign: DiagnosticSocket[] } {
  const uid = processUser(pid)?.uid;
  const own = candidates.filter((s) => s.uid === uid);
  return { own, foreign: candidates.filter((s) => !own.includes(s)) };
}

/** The socket of one process, or undefined when it has none (not .NET, diagnostics disabled, or only planted ones). */
export function findDiagnosticSocket(pid: number): DiagnosticSocket | undefined {
  const candidates = scanSocketDirs(socketDirsFor(pid)).filter((s) => s.pid === pid);
  return pickSocket(ownSockets(pid, candidates).own, processStartTime(pid));
}

/** Sockets named for the process but made by another user (for the error that says why none was used). */
export function foreignDiagnosticSockets(pid: number): DiagnosticSocket[] {
  return ownSockets(pid, scanSocketDirs(socketDirsFor(pid)).filter((s) => s.pid === pid)).foreign;
}

/** The folders worth scanning for all processes: /tmp, our TMPDIR, and every TMPDIR a running process has set. */
export function allSocketDirs(): string[] {
  const dirs = new Set<string>(['/tmp']);
  if (process.env.TMPDIR && path.isAbsolute(process.env.TMPDIR)) dirs.add(process.env.TMPDIR);
  let pids: string[] = [];
  try {
    pids = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    /* no procfs */
  }
  for (const pid of pids) {
    const dir = targetTempDir(Number(pid));
    dirs.add(dir);
  }
  return [...dirs];
}
