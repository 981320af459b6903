// The process picker behind `${command:PickProcess}`: lists the running .NET processes with their command lines and
// returns the chosen pid as text (undefined when the user cancels, which cancels the attach).
import * as path from 'path';
import * as vscode from 'vscode';
import type { DotnetProcess } from '../diagnostics/processes';

interface ProcessItem extends vscode.QuickPickItem {
  pid: number;
}

export async function pickDotnetProcess(title = 'Attach HeapLens to a .NET process'): Promise<string | undefined> {
  const { listDotnetProcesses } = await import('../diagnostics/processes');
  const processes = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'HeapLens: looking for .NET processes' },
    () => listDotnetProcesses(),
  );
  const others = processes.filter((p) => p.pid !== process.pid);
  if (others.length === 0) {
    void vscode.window.showErrorMessage('HeapLens found no running .NET process. Start the program first (or use a launch configuration).');
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(others.map(toItem), {
    title,
    placeHolder: 'Type to filter by name, id or command line',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return chosen ? String(chosen.pid) : undefined;
}

function toItem(p: DotnetProcess): ProcessItem {
  const program = p.entryAssembly || path.basename(p.commandLine.split(' ').find((part) => part.endsWith('.dll')) ?? p.commandLine.split(' ')[0] ?? '');
  const runtime = p.runtimeVersion ? `.NET ${p.runtimeVersion}` : p.responding ? '' : 'not responding (stopped?)';
  return {
    pid: p.pid,
    label: `${program || 'dotnet'} (${p.pid})`,
    description: runtime,
    detail: p.commandLine,
  };
}
