// The Dominators view and its commands: Refresh, "Load more…", and on each object Show in Heap Types and Show
// Retention Paths (the latter is the Retention Paths feature's command, which takes a dominator node).
import * as vscode from 'vscode';
import { formatBytes } from '../../common/numbers';
import { Commands, Views } from '../../constants';
import { followLink } from '../insights/followLink';
import { errorMessage, HeapLensServices } from '../services';
import { DominatorsTree } from './dominatorsTree';
import { DominatorNode, MoreDominatorsNode } from './nodes';

export function registerDominators(_context: vscode.ExtensionContext, services: HeapLensServices): { disposables: vscode.Disposable[]; tree: DominatorsTree } {
  const tree = new DominatorsTree(services);
  const view = vscode.window.createTreeView(Views.Dominators, { treeDataProvider: tree, showCollapseAll: true });
  const updateTitle = () => {
    const record = tree.snapshot;
    view.description = record ? `${record.label}${tree.live !== undefined ? ` · ${formatBytes(tree.live)} live` : ''}` : undefined;
    view.message = !record ? 'Select a snapshot to see the objects that keep the most memory alive.' : tree.error;
  };
  updateTitle();
  const loaded = tree.onDidLoad(updateTitle);
  const commands = [
    vscode.commands.registerCommand(Commands.RefreshDominators, () => tree.reload()),
    vscode.commands.registerCommand(Commands.LoadMoreDominators, async (node?: MoreDominatorsNode) => {
      if (node?.kind !== 'more') return;
      try {
        await tree.loadMore(node);
      } catch (err) {
        void vscode.window.showErrorMessage(`HeapLens could not load more dominators: ${errorMessage(err)}`);
      }
    }),
    vscode.commands.registerCommand(Commands.ShowInHeapTypes, async (node?: DominatorNode) => {
      if (node?.kind !== 'dominator') {
        void vscode.window.showInformationMessage('Use Show in Heap Types on an object in the Dominators view.');
        return;
      }
      await followLink(services, node.recordId, { kind: 'type', type: node.item.type });
    }),
  ];
  return { disposables: [tree, view, loaded, ...commands], tree };
}
