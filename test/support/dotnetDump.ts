// dotnet-dump (SOS), the tool HeapLens is compared with: installed once, at a pinned version, into the user's
// cache (`dotnet tool install --tool-path`), and run as a user runs it (`analyze <dump> -c <command> -c exit`).
// Used by the parity suite (test/parity) and the benchmark (bench/harness). When it cannot be installed, the
// caller gets the installer's own words to print as the reason it skipped.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';

const run = promisify(execFile);

/** The version both the parity suite and the benchmark compare with (served by the NuGet copy). */
export const DOTNET_DUMP_VERSION = '10.0.750501';

export type DotnetDump = { available: true; command: string; version: string } | { available: false; reason: string };

/** Where the pinned tool lives: one folder per version, so a newer pin installs beside the old one. */
export function dotnetDumpDir(): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'heaplens', 'tools', `dotnet-dump-${DOTNET_DUMP_VERSION}`);
}

let installing: Promise<DotnetDump> | undefined;

/** The pinned dotnet-dump, installed on first use (once per process); never throws. */
export function ensureDotnetDump(timeoutMs = 300_000): Promise<DotnetDump> {
  installing ??= install(timeoutMs);
  return installing;
}

async function install(timeoutMs: number): Promise<DotnetDump> {
  const dir = dotnetDumpDir();
  const command = path.join(dir, 'dotnet-dump');
  if (!isExecutable(command)) {
    try {
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      await run('dotnet', ['tool', 'install', 'dotnet-dump', '--version', DOTNET_DUMP_VERSION, '--tool-path', dir], {
        timeout: timeoutMs,
        env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string; killed?: boolean };
      const said = `${e.stderr ?? ''}\n${e.stdout ?? ''}`.split('\n').map((l) => l.trim()).find(Boolean);
      const why = e.killed ? `it took more than ${Math.round(timeoutMs / 1000)} s` : (said ?? e.message.split('\n')[0]).replace(/\.$/, '');
      return { available: false, reason: `\`dotnet tool install dotnet-dump --version ${DOTNET_DUMP_VERSION}\` failed: ${why}` };
    }
    if (!isExecutable(command)) return { available: false, reason: `dotnet tool install left no ${command}` };
  }
  return { available: true, command, version: DOTNET_DUMP_VERSION };
}

/** Runs SOS commands on a dump in one dotnet-dump process; its time (the whole process) and what it printed. */
export async function runSos(command: string, dump: string, sos: string[], timeoutMs: number): Promise<{ ms: number; output: string }> {
  const args = ['analyze', dump, ...sos.flatMap((c) => ['-c', c]), '-c', 'exit'];
  const started = process.hrtime.bigint();
  try {
    const { stdout } = await run(command, args, {
      timeout: timeoutMs,
      maxBuffer: 512 << 20,
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
    });
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, output: stdout };
  } catch (err) {
    const e = err as { killed?: boolean; stderr?: string; message: string };
    if (e.killed) throw new Error(`dotnet-dump "${sos.join('; ')}" did not finish within ${Math.round(timeoutMs / 1000)} s.`);
    throw new Error(`dotnet-dump "${sos.join('; ')}" failed: ${(e.stderr ?? '').trim().split('\n')[0] || e.message.split('\n')[0]}`);
  }
}

/** One row of `dumpheap -stat`: objects of one method table (SOS lists a name once per method table). */
export interface SosTypeRow {
  methodTable: string;
  count: number;
  bytes: number;
  name: string;
}

/**
 * Parses `dumpheap -stat`'s table: "MT Count TotalSize Class Name" rows (numbers with or without thousands
 * separators), up to the "Total N objects, N bytes" line.
 */
export function parseDumpheapStat(output: string): { rows: SosTypeRow[]; totalObjects: number; totalBytes: number } {
  const lines = output.split('\n');
  const header = lines.findIndex((l) => /^\s*MT\s+Count\s+TotalSize\s+Class Name\s*$/.test(l));
  if (header < 0) throw new Error(`dumpheap -stat printed no "MT Count TotalSize Class Name" header:\n${output.slice(0, 2000)}`);
  const rows: SosTypeRow[] = [];
  let totalObjects = -1;
  let totalBytes = -1;
  for (const line of lines.slice(header + 1)) {
    const total = /^\s*Total\s+([\d,]+)\s+objects,\s+([\d,]+)\s+bytes/.exec(line);
    if (total) {
      totalObjects = number(total[1]);
      totalBytes = number(total[2]);
      break;
    }
    const row = /^\s*([0-9a-fA-F]+)\s+([\d,]+)\s+([\d,]+)\s+(.+?)\s*$/.exec(line);
    if (row) rows.push({ methodTable: row[1], count: number(row[2]), bytes: number(row[3]), name: row[4] });
  }
  if (totalObjects < 0) throw new Error(`dumpheap -stat printed no "Total N objects, N bytes" line:\n${output.slice(-2000)}`);
  return { rows, totalObjects, totalBytes };
}

function number(text: string): number {
  return Number(text.replace(/,/g, ''));
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
