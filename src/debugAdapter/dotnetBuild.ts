// Builds a project with `dotnet build` before a launch, streaming its output to the Debug Console, and asks MSBuild
// for the .dll the build produced. A failed build becomes one error that quotes the first compiler error.
import { execFile, spawn } from 'child_process';
import * as path from 'path';
import { Cancellation } from '../common/async';
import { AdapterErrorId } from '../protocol/dap';
import { UserError } from './userError';

export const BUILD_TIMEOUT_MS = 300_000;
const EVALUATE_TIMEOUT_MS = 60_000;

export type OutputSink = (text: string) => void;

/** An MSBuild diagnostic line: `path(line,col): error CS1002: ; expected [project]`. */
const ERROR_LINE = /:\s*error\s+[A-Z]+\d+\s*:/;

export async function buildProject(dotnet: string, project: string, onOutput: OutputSink, cancellation?: Cancellation): Promise<void> {
  const name = path.basename(project);
  onOutput(`Building ${project}…\n`);
  const args = ['build', project, '-c', 'Debug', '--nologo', '-v', 'q', '-clp:NoSummary'];
  const errors: string[] = [];
  const { code, timedOut } = await new Promise<{ code: number | null; timedOut: boolean }>((resolve, reject) => {
    const child = spawn(dotnet, args, {
      cwd: path.dirname(project),
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, BUILD_TIMEOUT_MS);
    const subscription = cancellation?.onCancellationRequested(() => child.kill('SIGKILL'));
    const collect = (chunk: string) => {
      onOutput(chunk);
      for (const line of chunk.split('\n')) if (ERROR_LINE.test(line)) errors.push(line.trim());
    };
    child.stdout.setEncoding('utf8').on('data', collect);
    child.stderr.setEncoding('utf8').on('data', collect);
    child.once('error', (err) => {
      clearTimeout(timer);
      subscription?.dispose();
      reject(new UserError(AdapterErrorId.BuildFailed, `Could not run "${dotnet} build": ${err.message}. Is the .NET SDK installed and on PATH?`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      subscription?.dispose();
      resolve({ code, timedOut });
    });
  });
  if (timedOut) throw new UserError(AdapterErrorId.BuildFailed, `The build of ${name} took longer than ${BUILD_TIMEOUT_MS / 1000} s and was stopped. Build it yourself and launch the .dll.`);
  if (code !== 0) {
    const unique = [...new Set(errors)];
    const first = unique[0] ? `: ${shorten(unique[0])}` : '';
    const more = unique.length > 1 ? ` (and ${unique.length - 1} more)` : '';
    throw new UserError(AdapterErrorId.BuildFailed, `The build of ${name} failed${first}${more}. Fix the errors shown in the Debug Console and start again.`);
  }
}

/** The .dll a Debug build of the project produces (MSBuild's TargetPath; for a multi-target project, its first framework). */
export async function projectOutput(dotnet: string, project: string): Promise<string> {
  const evaluate = async (extra: string[]) => {
    const { stdout } = await run(dotnet, ['msbuild', project, '-nologo', '-p:Configuration=Debug', ...extra]);
    return JSON.parse(stdout).Properties as Record<string, string>;
  };
  let props = await evaluate(['-getProperty:TargetPath', '-getProperty:TargetFrameworks']);
  if (!props.TargetPath && props.TargetFrameworks) {
    const first = props.TargetFrameworks.split(';').map((s) => s.trim()).find(Boolean)!;
    props = await evaluate([`-p:TargetFramework=${first}`, '-getProperty:TargetPath', '-getProperty:TargetFrameworks']);
  }
  if (!props.TargetPath || !props.TargetPath.endsWith('.dll')) {
    throw new UserError(AdapterErrorId.ProgramNotFound, `${path.basename(project)} produces no .dll to run (TargetPath "${props.TargetPath ?? ''}"). Set "program" to the .dll instead.`);
  }
  return props.TargetPath;
}

function run(file: string, args: string[]): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: EVALUATE_TIMEOUT_MS, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' } }, (err, stdout, stderr) => {
      if (err) {
        const detail = (stderr || stdout || err.message).trim().split('\n')[0];
        reject(new UserError(AdapterErrorId.BuildFailed, `MSBuild could not read the project's output path: ${detail}. Set "program" to the .dll instead.`));
      } else resolve({ stdout });
    });
  });
}

function shorten(line: string): string {
  // Drop the trailing "[/path/to/project.csproj]" MSBuild appends; the project is already named.
  return line.replace(/\s*\[[^\]]*\.\w+proj\]\s*$/, '');
}
