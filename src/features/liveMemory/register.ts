// Live memory: the Memory view and its commands. While a .NET debug session runs (heaplens, coreclr, clr and the
// types in heaplens.debugTypes) its process is monitored once the session's process id is known (unless
// heaplens.liveMemory.enabled is false); a heaplens session samples allocations too (heaplens.liveMemory.sampleAllocations).
// Monitor Memory watches any .NET process on demand; Stop Monitoring and Start/Stop Allocation Sampling switch.
import * as vscode from 'vscode';
import { Commands, ContextKeys, Settings, Views } from '../../constants';
import { pickDotnetProcess } from '../../debug/processPicker';
import { DEBUG_TYPE } from '../../protocol/dap';
import { processKey, programName } from '../capture/captureHeap';
import type { ProcessIdTracker } from '../capture/processIdTracker';
import { errorMessage, HeapLensServices } from '../services';
import { captureDebugTypes, liveMemoryEnabled, sampleAllocations } from '../settings';
import { LiveMonitor, MonitorTarget } from './liveMonitor';
import { MemoryView } from './memoryView';

/** How long a debug session may take to report its process before the Memory view gives up on it. */
const PROCESS_WAIT_MS = 60_000;

export interface LiveMemoryFeature {
  monitor: LiveMonitor;
  view: MemoryView;
}

export function registerLiveMemory(_context: vscode.ExtensionContext, services: HeapLensServices, tracker: ProcessIdTracker): { disposables: vscode.Disposable[]; feature: LiveMemoryFeature } {
  const monitor = new LiveMonitor(services);
  const view = new MemoryView(services, monitor);
  const syncKeys = () => {
    void vscode.commands.executeCommand('setContext', ContextKeys.Monitoring, monitor.running);
    void vscode.commands.executeCommand('setContext', ContextKeys.SamplingAllocations, monitor.running && monitor.status.sampling);
  };
  syncKeys();

  const targetOf = (pid: number, debugSessionId?: string, name?: string): MonitorTarget => ({
    pid,
    name: programName(pid, name),
    key: processKey(pid) ?? `pid:${pid}`,
    debugSessionId,
  });

  /** Monitors the session's process once its id is known (bounded: a post-mortem session never has one). */
  const followSession = (session: vscode.DebugSession) => {
    if (!liveMemoryEnabled() || !captureDebugTypes().includes(session.type)) return;
    const begin = () => {
      const known = tracker.processOf(session);
      if (!known) return false;
      void monitor.start(targetOf(known.pid, session.id, known.name), session.type === DEBUG_TYPE && sampleAllocations());
      return true;
    };
    if (begin()) return;
    const waits: vscode.Disposable[] = [];
    const done = () => waits.splice(0).forEach((w) => w.dispose());
    const timer = setTimeout(done, PROCESS_WAIT_MS);
    waits.push(
      { dispose: () => clearTimeout(timer) },
      tracker.onDidLearnProcess((s) => {
        if (s.id !== session.id) return;
        done();
        begin();
      }),
      vscode.debug.onDidTerminateDebugSession((s) => s.id === session.id && done()),
    );
  };

  const pickAndMonitor = async (sampling: boolean, given?: { pid?: number }): Promise<string | undefined> => {
    const pid = typeof given?.pid === 'number' ? given.pid : Number(await pickDotnetProcess(sampling ? 'Sample the allocations of which .NET process?' : 'Monitor the memory of which .NET process?'));
    if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
    await vscode.commands.executeCommand(`${Views.Memory}.focus`, { preserveFocus: true }).then(undefined, () => undefined);
    return monitor.start(targetOf(pid), sampling);
  };
  const report = (failure: string | undefined) => {
    if (failure) void vscode.window.showErrorMessage(failure, 'Show Log').then((c) => c && services.log.show(true));
    return failure;
  };

  return {
    feature: { monitor, view },
    disposables: [
      monitor,
      view,
      vscode.window.registerWebviewViewProvider(Views.Memory, view),
      monitor.onDidChange((c) => c.kind === 'status' && syncKeys()),
      vscode.debug.onDidStartDebugSession(followSession),
      vscode.debug.onDidTerminateDebugSession((session) => {
        if (monitor.target?.debugSessionId === session.id && monitor.running) void monitor.stop('The debug session ended.');
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${Settings.Section}.${Settings.LiveMemoryEnabled}`) && !liveMemoryEnabled() && monitor.target?.debugSessionId && monitor.running) {
          void monitor.stop('Live memory is off (heaplens.liveMemory.enabled).');
        }
      }),
      vscode.commands.registerCommand(Commands.MonitorMemory, (given?: { pid?: number }) => pickAndMonitor(false, given).then(report)),
      vscode.commands.registerCommand(Commands.StopMonitoring, () => monitor.stop()),
      vscode.commands.registerCommand(Commands.StartAllocationSampling, async (given?: { pid?: number }) => {
        if (!monitor.running || (typeof given?.pid === 'number' && given.pid !== monitor.target?.pid)) return report(await pickAndMonitor(true, given));
        return report(await monitor.setSampling(true).catch((err) => errorMessage(err)));
      }),
      vscode.commands.registerCommand(Commands.StopAllocationSampling, async () => {
        if (!monitor.running) return undefined;
        return report(await monitor.setSampling(false).catch((err) => errorMessage(err)));
      }),
    ],
  };
}
