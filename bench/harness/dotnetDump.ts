// The comparison: SOS through dotnet-dump on the same dump, in the same run, at the version the parity suite pins
// (test/support/dotnetDump.ts installs it once into the user's cache); when it cannot be installed, the results
// say why, in the installer's words.
import { ensureDotnetDump, runSos } from '../../test/support/dotnetDump';
import { Comparison } from './results';

export async function findDotnetDump(): Promise<Comparison> {
  const tool = await ensureDotnetDump();
  return tool.available
    ? { tool: 'dotnet-dump', available: true, command: tool.command, version: tool.version }
    : { tool: 'dotnet-dump', available: false, reason: tool.reason };
}

/** Runs one SOS command on a dump as a user does (`dotnet-dump analyze <dump> -c <command> -c exit`): the whole
 * process's time and its output. */
export function timeSosCommand(command: string, dump: string, sos: string, timeoutMs: number): Promise<{ ms: number; output: string }> {
  return runSos(command, dump, [sos], timeoutMs);
}
