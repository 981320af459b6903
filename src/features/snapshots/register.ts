// The Snapshots view and its commands.
import * as vscode from 'vscode';
import { ContextKeys, Views } from '../../constants';
import { HeapLensServices } from '../services';
import { registerSnapshotCommands } from './snapshotCommands';
import { SnapshotsTree } from './snapshotsTree';

export function registerSnapshots(_context: vscode.ExtensionContext, services: HeapLensServices): { disposables: vscode.Disposable[]; tree: SnapshotsTree } {
  const tree = new SnapshotsTree(services.store);
  const view = vscode.window.createTreeView(Views.Snapshots, { treeDataProvider: tree, showCollapseAll: false });
  const syncBaseline = () => void vscode.commands.executeCommand('setContext', ContextKeys.HasBaseline, services.store.baselineId !== undefined);
  syncBaseline();
  const selection = services.store.onDidChange((change, record) => {
    if (change === 'baseline') syncBaseline();
    // The selected snapshot is also the view's selection, so a new capture shows as selected.
    if ((change === 'selection' || change === 'added') && record && services.store.selectedId === record.id && view.visible) {
      void view.reveal(record, { select: true, focus: false }).then(undefined, () => undefined);
    }
  });
  // An empty view shows the welcome content of package.json (viewsWelcome): Capture Heap and Open Dump buttons.
  return { disposables: [tree, view, selection, ...registerSnapshotCommands(services)], tree };
}
