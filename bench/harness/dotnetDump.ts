// The comparison: SOS through dotnet-dump on the same dump, in the same run. Used when dotnet-dump is on PATH
// or in ~/.dotnet/tools, or when `dotnet tool install` can fetch it (into bench/.tools, once); otherwise the
// results say why not, in the installer's words.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { Comparison } from './results';

const run = promisify(execFile);

export async function findDotnetDump(root: string): Promise<Comparison> {
  const toolDir = path.join(root, 'bench', '.tools');
  const candidates = [
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'dotnet-dump')),
    path.join(os.homedir(), '.dotnet', 'tools', 'dotnet-dump'),
    path.join(toolDir, 'dotnet-dump'),
  ];
  let command = candidates.find(isExecutable);
  let reason: string | undefined;
  if (!command) {
    try {
      await run('dotnet', ['tool', 'install', 'dotnet-dump', '--tool-path', toolDir], { timeout: 300_000 });
      command = path.join(toolDir, 'dotnet-dump');
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string; killed?: boolean };
      const said = `${e.stderr ?? ''}\n${e.stdout ?? ''}`.split('\n').map((l) => l.trim()).find(Boolean);
      reason = `not on PATH, and \`dotnet tool install dotnet-dump\` failed: ${e.killed ? 'it took more than 300 s' : (said ?? e.message.split('\n')[0]).replace(/\.$/, '')}`;
    }
  }
  if (!command) return { tool: 'dotnet-dump', available: false, reason };
  let version: string | undefined;
  try {
    version = (await run(command, ['--version'], { timeout: 60_000 })).stdout.trim();
  } catch {
    /* the version is only a label */
  }
  return { tool: 'dotnet-dump', available: true, command, version };
}

/** Runs one SOS command on a dump (`dotnet-dump analyze <dump> -c <command> -c exit`); returns its time and output. */
export async function timeSosCommand(command: string, dump: string, sos: string, timeoutMs: number): Promise<{ ms: number; output: string }> {
  const started = process.hrtime.bigint();
  try {
    const { stdout } = await run(command, ['analyze', dump, '-c', sos, '-c', 'exit'], { timeout: timeoutMs, maxBuffer: 512 << 20 });
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, output: stdout };
  } catch (err) {
    const e = err as { killed?: boolean; stderr?: string; message: string };
    if (e.killed) throw new Error(`dotnet-dump "${sos}" did not finish within ${Math.round(timeoutMs / 1000)} s (raise it with --tool-timeout).`);
    throw new Error(`dotnet-dump "${sos}" failed: ${(e.stderr ?? '').trim().split('\n')[0] || e.message.split('\n')[0]}`);
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
