// The runtime's createdump after HeapLens gave up waiting for it. The runtime forks createdump, which ptrace-stops
// every thread of the process while it reads its memory; a large or busy process can take minutes. When the capture
// times out (or is cancelled) the dump's private folder is removed, so createdump would only fail at the end, after
// keeping the service frozen all that time (seen: 124 s on a 7 GB process, then "Could not create output file").
// So HeapLens stops the createdump it asked for (the one writing HeapLens's own file, nothing else), and the
// process runs again at once. It also tells a createdump that holds the process from a native debugger.
import * as fs from 'fs';

export interface DumpWriter {
  /** The createdump process. */
  pid: number;
  /** The file it was asked to write (its `--name`), when its command line is readable. */
  file?: string;
}

/** The process that ptrace-holds `pid` (TracerPid in /proc/<pid>/status), or undefined when none or unreadable. */
export function tracerOf(pid: number): number | undefined {
  try {
    const match = /^TracerPid:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    const tracer = match ? Number(match[1]) : 0;
    return tracer > 0 ? tracer : undefined;
  } catch {
    return undefined;
  }
}

/** `writer` when it is a createdump child of `pid` (the runtime forked it to write a dump), else undefined. */
export function createdumpOf(pid: number, writer: number): DumpWriter | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${writer}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const parent = Number(stat.slice(close + 2).split(' ')[1]);
    if (name !== 'createdump' || parent !== pid) return undefined;
    const argv = fs.readFileSync(`/proc/${writer}/cmdline`, 'utf8').split('\0');
    const at = argv.indexOf('--name');
    return { pid: writer, ...(at >= 0 && argv[at + 1] ? { file: argv[at + 1] } : {}) };
  } catch {
    return undefined;
  }
}

/** Every createdump the runtime of `pid` has forked and that still runs. */
export function createdumpsOf(pid: number): DumpWriter[] {
  const found: DumpWriter[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const writer = createdumpOf(pid, Number(entry));
    if (writer) found.push(writer);
  }
  return found;
}

/** The resident memory of `pid` in bytes (VmRSS), or undefined. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s*(\d+)\s*kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops the createdump that writes `file` for `pid` (the request HeapLens abandoned) and waits up to `waitMs` for it
 * to be gone, so the process is no longer held. True when one was found and stopped. A createdump writing any other
 * file (another tool's dump) is left alone.
 */
export async function stopAbandonedDump(pid: number, file: string, waitMs = 3_000): Promise<boolean> {
  const writer = createdumpsOf(pid).find((w) => w.file === file);
  if (!writer) return false;
  try {
    process.kill(writer.pid, 'SIGKILL');
  } catch {
    return false; // gone meanwhile, or not ours to signal
  }
  // The runtime reaps it; the kernel detaches its ptrace hold when it dies, and the threads run on.
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && tracerOf(pid) === writer.pid) await new Promise((r) => setTimeout(r, 20));
  return true;
}
