// Learns the process id of each .NET debug session from the debug adapter's traffic: the `process` event's
// `systemProcessId`, or, for an attach, the configuration's `processId`. Capture Heap asks it which process the
// active session debugs; the Memory view waits for it to monitor the session's process.
import * as vscode from 'vscode';

export interface SessionProcess {
  pid: number;
  /** The process name the adapter reported, when it did. */
  name?: string;
}

export class ProcessIdTracker implements vscode.DebugAdapterTrackerFactory, vscode.Disposable {
  private readonly processes = new Map<string, SessionProcess>();
  private readonly ended: vscode.Disposable;
  private readonly learned = new vscode.EventEmitter<vscode.DebugSession>();
  /** Fires when the process of a debug session becomes known. */
  readonly onDidLearnProcess = this.learned.event;

  constructor() {
    this.ended = vscode.debug.onDidTerminateDebugSession((session) => this.processes.delete(session.id));
  }

  createDebugAdapterTracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    const fromConfiguration = configuredProcessId(session.configuration);
    if (fromConfiguration) {
      this.processes.set(session.id, { pid: fromConfiguration });
      this.learned.fire(session);
    }
    return {
      onDidSendMessage: (message: { type?: string; event?: string; body?: { systemProcessId?: unknown; name?: unknown } }) => {
        if (message?.type !== 'event' || message.event !== 'process') return;
        const pid = message.body?.systemProcessId;
        if (typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0) {
          this.processes.set(session.id, { pid, name: typeof message.body?.name === 'string' ? message.body.name : undefined });
          this.learned.fire(session);
        }
      },
    };
  }

  processOf(session: vscode.DebugSession): SessionProcess | undefined {
    return this.processes.get(session.id) ?? (configuredProcessId(session.configuration) ? { pid: configuredProcessId(session.configuration)! } : undefined);
  }

  dispose(): void {
    this.ended.dispose();
    this.learned.dispose();
    this.processes.clear();
  }
}

/** An attach configuration's `processId` once resolved: a number, or digits as text. */
function configuredProcessId(configuration: vscode.DebugConfiguration): number | undefined {
  if (configuration.request !== 'attach') return undefined;
  const value = configuration.processId;
  const pid = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
  return pid !== undefined && Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}
