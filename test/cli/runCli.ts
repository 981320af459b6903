// Runs the built CLI (dist/cli.js) as a child process, the way a user does, and collects what it printed.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../support/fixtures';

export const cliPath = path.join(repoRoot, 'dist', 'cli.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the CLI (and fail) after this long; default 120 s. */
  timeoutMs?: number;
}

/** Starts the CLI; `done` resolves when it exits. */
export function startCli(args: string[], options: CliOptions = {}): { child: ChildProcess; done: Promise<CliRun> } {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first.`);
  const started = Date.now();
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const limit = options.timeoutMs ?? 120_000;
  const done = new Promise<CliRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`heaplens ${args.join(' ')} did not finish within ${limit} ms.\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, limit);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  return { child, done };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(args, options).done;
}

/** Runs the CLI with --json and parses stdout; fails with what it printed when it did not succeed. */
export async function runJson<T>(args: string[], options: CliOptions = {}): Promise<T> {
  const run = await runCli([...args, '--json'], options);
  if (run.code !== 0) throw new Error(`heaplens ${args.join(' ')} --json exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** A failure as the CLI must print it: the exit code, exactly one line on stderr, no stack frames. */
export function assertOneLineFailure(run: CliRun, exitCode: number, pattern: RegExp): void {
  const lines = run.stderr.split('\n').filter((l) => l.length > 0);
  const where = `stderr was: ${JSON.stringify(run.stderr)}`;
  if (run.code !== exitCode) throw new Error(`expected exit ${exitCode}, got ${run.code}; ${where}`);
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}; ${where}`);
  if (/^\s+at /m.test(run.stderr)) throw new Error(`stderr holds a stack trace; ${where}`);
  if (!pattern.test(lines[0])) throw new Error(`stderr does not match ${pattern}; ${where}`);
  if (run.stdout !== '') throw new Error(`a failure prints nothing on stdout, got ${JSON.stringify(run.stdout)}`);
}

/** Children of a process (from /proc), e.g. the agent the CLI started or the createdump a runtime forked. */
export function childPids(parent: number): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) found.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return found;
}

export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2)[0]);
  } catch {
    return false;
  }
}

/** Polls `check` every few ms until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
