// Capture Heap: the command (debug toolbar, Snapshots view title, palette), the tracker that learns each debug
// session's process id, and the context key listing the debug types the toolbar button shows for.
import * as vscode from 'vscode';
import { Commands, ContextKeys, Settings } from '../../constants';
import { HeapLensServices } from '../services';
import { captureDebugTypes } from '../settings';
import { CaptureArguments, HeapCapture } from './captureHeap';
import { ProcessIdTracker } from './processIdTracker';

export function registerCapture(_context: vscode.ExtensionContext, services: HeapLensServices): { disposables: vscode.Disposable[]; capture: HeapCapture; tracker: ProcessIdTracker } {
  const tracker = new ProcessIdTracker();
  const capture = new HeapCapture(services, tracker);
  const syncDebugTypes = () => void vscode.commands.executeCommand('setContext', ContextKeys.CaptureDebugTypes, captureDebugTypes());
  syncDebugTypes();
  return {
    capture,
    tracker,
    disposables: [
      tracker,
      // Every debug type: the setting may add types at any time, and the tracker only listens.
      vscode.debug.registerDebugAdapterTrackerFactory('*', tracker),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${Settings.Section}.${Settings.DebugTypes}`)) syncDebugTypes();
      }),
      vscode.commands.registerCommand(Commands.CaptureHeap, (args?: CaptureArguments | unknown) => capture.run(isCaptureArguments(args) ? args : undefined)),
    ],
  };
}

/** The debug toolbar and view titles pass their own context objects: only `{ pid }` or `{ session }` are ours. */
function isCaptureArguments(value: unknown): value is CaptureArguments {
  if (!value || typeof value !== 'object') return false;
  const v = value as CaptureArguments;
  return typeof v.pid === 'number' || (typeof v.session === 'object' && v.session !== null && typeof (v.session as vscode.DebugSession).customRequest === 'function');
}
