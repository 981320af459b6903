// What the features share in one window: the "HeapLens" log channel, the snapshot store (persisted in the
// window's workspaceState), the window's agent host (the one agent process, restarted after a crash or a hang
// with a message that says so; the inline debug adapter borrows it, so a dump is indexed once), and the periods in
// which allocations were sampled.
import * as vscode from 'vscode';
import { AgentHost } from '../agent/agentHost';
import { Logger } from '../common/logger';
import { LOG_CHANNEL_NAME, Settings } from '../constants';
import { AllocationPeriods } from '../snapshots/allocationPeriods';
import { HeapAnalysis } from '../snapshots/heapAnalysis';
import { SnapshotStore } from '../snapshots/snapshotStore';
import { agentMemoryBytes, dacSearchPaths } from './settings';

export interface HeapLensServices extends vscode.Disposable {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly logger: Logger;
  readonly store: SnapshotStore;
  readonly analysis: HeapAnalysis;
  /** The periods in which the Memory view sampled allocations (Allocated at in the views and the summary page). */
  readonly allocations: AllocationPeriods;
  readonly host: AgentHost;
}

export function createServices(context: vscode.ExtensionContext): HeapLensServices {
  const log = vscode.window.createOutputChannel(LOG_CHANNEL_NAME, { log: true });
  const logger: Logger = {
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m) => log.error(m),
    trace: (m) => log.trace(m),
  };
  const store = new SnapshotStore(context.workspaceState);
  if (store.missingOnLoad.length) {
    logger.warn(`dropped ${store.missingOnLoad.length} snapshot(s) whose dump is gone: ${store.missingOnLoad.map((r) => r.dumpPath).join(', ')}`);
  }
  const agentPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'agent', 'HeapLens.Agent.dll').fsPath;
  const host = new AgentHost({
    agent: { agentPath, dacSearchPaths },
    logger,
    memoryBudgetBytes: agentMemoryBytes(),
    onRestart: (message) => {
      void vscode.window.showWarningMessage(message, 'Show Log').then((choice) => choice && log.show(true));
    },
  });
  const allocations = new AllocationPeriods();
  const budget = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`${Settings.Section}.${Settings.AgentMemory}`)) host.memoryBudgetBytes = agentMemoryBytes();
  });
  const analysis = new HeapAnalysis(host);
  return {
    context,
    log,
    logger,
    store,
    analysis,
    allocations,
    host,
    dispose: () => {
      allocations.dispose();
      budget.dispose();
      void host.dispose();
      log.dispose();
    },
  };
}

/** The message of an error for the user: one line, no stack. */
export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0];
}
