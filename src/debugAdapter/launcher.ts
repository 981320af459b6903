// Starts the program: `dotnet <dll> <args>` as our child with its output piped to the Debug Console, or in the
// client's terminal through DAP's runInTerminal. A terminal gives us no pid we can trust (VS Code answers with the
// shell's), so the program carries a marker in its environment and we find it by that in /proc.
import { spawn } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import { findDiagnosticSocket } from '../diagnostics/diagnosticSockets';
import { readEnvironment } from '../diagnostics/procfs';
import { AdapterErrorId } from '../protocol/dap';
import { ChildDebuggee, Debuggee, WatchedDebuggee } from './debuggee';
import { UserError } from './userError';

export interface LaunchPlan {
  dotnet: string;
  dll: string;
  args: string[];
  cwd: string;
  /** Changes to the adapter's environment: a null value removes the variable. */
  env: Record<string, string | null>;
}

export interface OutputSinks {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** What a client's runInTerminal answers with. */
export interface TerminalResult {
  processId?: number;
  shellProcessId?: number;
}

export type RunInTerminal = (args: { cwd: string; args: string[]; env: Record<string, string | null>; title: string }) => Promise<TerminalResult>;

/** The environment variable that marks a program started in a terminal, so we can find its process. */
export const SESSION_MARKER = 'HEAPLENS_DEBUG_SESSION';
const FIND_IN_TERMINAL_TIMEOUT_MS = 30_000;

export function checkPlan(plan: LaunchPlan): void {
  if (!fs.existsSync(plan.cwd) || !fs.statSync(plan.cwd).isDirectory()) {
    throw new UserError(AdapterErrorId.BadConfiguration, `The working directory ${plan.cwd} does not exist. Fix "cwd" in launch.json.`);
  }
}

export function mergeEnv(base: NodeJS.ProcessEnv, delta: Record<string, string | null>): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const [name, value] of Object.entries(delta)) {
    if (value === null || value === undefined) delete env[name];
    else env[name] = String(value);
  }
  return env;
}

export async function launchInternal(plan: LaunchPlan, sinks: OutputSinks): Promise<Debuggee> {
  checkPlan(plan);
  const child = spawn(plan.dotnet, [plan.dll, ...plan.args], { cwd: plan.cwd, env: mergeEnv(process.env, plan.env), stdio: ['pipe', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (err) =>
      reject(new UserError(AdapterErrorId.LaunchFailed, `Could not start "${plan.dotnet}": ${err.message}. Is the .NET runtime installed and on PATH?`)),
    );
  });
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    const program = withoutCreatedumpLines(text);
    if (program) sinks.stdout(program);
  });
  child.stderr!.setEncoding('utf8').on('data', sinks.stderr);
  // The program's stdin stays open (and empty): a program waiting on Console.ReadLine keeps waiting, as it would
  // in a terminal nobody types into.
  child.stdin!.on('error', () => undefined);
  return new ChildDebuggee(child);
}

export async function launchInTerminal(plan: LaunchPlan, runInTerminal: RunInTerminal): Promise<Debuggee> {
  checkPlan(plan);
  const marker = randomUUID();
  let answer: TerminalResult;
  try {
    answer = await runInTerminal({
      cwd: plan.cwd,
      args: [plan.dotnet, plan.dll, ...plan.args],
      env: { ...plan.env, [SESSION_MARKER]: marker },
      title: `HeapLens: ${plan.dll.split('/').pop()}`,
    });
  } catch (err) {
    throw new UserError(AdapterErrorId.LaunchFailed, `The terminal could not start the program: ${(err as Error).message}. Try "console": "internalConsole".`);
  }
  const pid = await findMarkedProcess(marker, answer, FIND_IN_TERMINAL_TIMEOUT_MS);
  return new WatchedDebuggee(pid, 'launched');
}

/** The .NET process carrying our marker: the shell that runs it carries the marker too, but has no diagnostics socket. */
async function findMarkedProcess(marker: string, answer: TerminalResult, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const candidates = [answer.processId, ...listPids()].filter((p): p is number => typeof p === 'number' && p > 0);
    for (const pid of new Set(candidates)) {
      if (readEnvironment(pid)?.get(SESSION_MARKER) === marker && findDiagnosticSocket(pid)) return pid;
    }
    if (Date.now() > deadline) {
      throw new UserError(
        AdapterErrorId.LaunchFailed,
        `The program did not start in the terminal within ${timeoutMs / 1000} s (or it ended at once). Look at the terminal for its error, or use "console": "internalConsole".`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function listPids(): number[] {
  try {
    return fs
      .readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The runtime runs createdump with the program's stdout, so every snapshot would print "[createdump] …" lines
 * among the program's own output. They are ours, not the program's: leave them out.
 */
export function withoutCreatedumpLines(text: string): string {
  return text.replace(/^\[createdump\] [^\n]*(\n|$)/gm, '');
}

/** Waits until a just-started .NET process has opened its diagnostics socket (so a pause can reach it). */
export async function waitForDiagnostics(debuggee: Debuggee, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (debuggee.hasExited) return false;
    if (findDiagnosticSocket(debuggee.pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
