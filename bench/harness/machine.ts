// Describes the machine a benchmark ran on, and the code it measured: numbers mean little without both.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { BuildInfo, Machine } from './results';

export function describeMachine(): Machine {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: Number(quiet('nproc', [])) || os.availableParallelism(),
    memoryBytes: os.totalmem(),
    memoryAvailableBytes: memAvailable() ?? os.freemem(),
    loadAverageAtStart: loadAverage(),
    os: osName(),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    dotnetRuntimes: quiet('dotnet', ['--list-runtimes'])
      .split('\n')
      .filter((l) => l.startsWith('Microsoft.NETCore.App '))
      .map((l) => l.split(' ')[1]),
    node: process.version,
  };
}

export function loadAverage(): number[] {
  return os.loadavg().map((n) => Math.round(n * 100) / 100);
}

export function describeBuild(root: string, agentPath: string): BuildInfo {
  return {
    commit: quiet('git', ['-C', root, 'rev-parse', '--short', 'HEAD']) || 'unknown',
    dirty: quiet('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no']) !== '',
    agentPath,
    agentBuiltAt: fs.statSync(agentPath).mtime.toISOString(),
  };
}

function memAvailable(): number | undefined {
  const match = /^MemAvailable:\s+(\d+) kB/m.exec(readOr('/proc/meminfo'));
  return match ? Number(match[1]) * 1024 : undefined;
}

function osName(): string {
  const match = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readOr('/etc/os-release'));
  return match ? match[1] : os.type();
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A command's trimmed output, or '' when it is missing or fails: a description never stops the benchmark. */
function quiet(command: string, args: string[]): string {
  try {
    // GIT_OPTIONAL_LOCKS=0: `git status` must not refresh the index of a repository others are working in.
    return execFileSync(command, args, {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
    }).trim();
  } catch {
    return '';
  }
}
