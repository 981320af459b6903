// The Heap Types view and its title commands: filter by type name, sort (bytes → count → growth → retained), group by
// namespace, live or all objects, "Load more…". Selecting a type or an instance shows its retention paths.
import * as vscode from 'vscode';
import { Commands, Views } from '../../constants';
import { HeapTypeSort, HEAP_TYPE_SORTS, nextSort } from '../../snapshots/heapTypeRows';
import { errorMessage, HeapLensServices } from '../services';
import { HeapTypesTree, titleDescription } from './heapTypesTree';
import { HeapTypesNode, LoadMoreNode, MoreTypesNode, TypeNode } from './nodes';

export function registerHeapTypes(_context: vscode.ExtensionContext, services: HeapLensServices): { disposables: vscode.Disposable[]; tree: HeapTypesTree } {
  const tree = new HeapTypesTree(services);
  const view = vscode.window.createTreeView(Views.HeapTypes, { treeDataProvider: tree, showCollapseAll: true });

  const updateTitle = () => {
    view.description = titleDescription(tree);
    if (!services.store.selectedSnapshot) view.message = services.store.all().length ? 'Select a snapshot to see its heap types.' : undefined;
    else view.message = tree.error;
  };
  updateTitle();
  const loaded = tree.onDidLoad(updateTitle);

  // A type or an instance selected here is what the Retention Paths view explains.
  const selection = view.onDidChangeSelection((e) => {
    const node = e.selection[0];
    if (node && (node.kind === 'type' || node.kind === 'instance')) void vscode.commands.executeCommand(Commands.ShowRetentionPaths, node, { reveal: false });
  });

  const commands = [
    vscode.commands.registerCommand(Commands.FilterHeapTypes, async (given?: string) => {
      const filter =
        typeof given === 'string'
          ? given
          : await vscode.window.showInputBox({
              title: 'Filter heap types',
              prompt: 'Show only the types whose full name contains this text (case-insensitive). Empty shows all.',
              value: tree.typeFilter,
              placeHolder: 'e.g. Order, MyApp.Cache, byte[]',
            });
      if (filter !== undefined) tree.setFilter(filter);
    }),
    vscode.commands.registerCommand(Commands.ClearHeapTypeFilter, () => tree.setFilter('')),
    vscode.commands.registerCommand(Commands.ChangeHeapTypeSort, (given?: HeapTypeSort) => {
      tree.setSort(given && HEAP_TYPE_SORTS.includes(given) ? given : nextSort(tree.sortOrder));
    }),
    vscode.commands.registerCommand(Commands.GroupByNamespace, () => tree.setGrouped(true)),
    vscode.commands.registerCommand(Commands.UngroupHeapTypes, () => tree.setGrouped(false)),
    vscode.commands.registerCommand(Commands.ShowAllObjects, () => tree.setAll(true)),
    vscode.commands.registerCommand(Commands.ShowLiveObjects, () => tree.setAll(false)),
    vscode.commands.registerCommand(Commands.LoadMore, async (node?: LoadMoreNode | MoreTypesNode | TypeNode) => {
      if (!node || (node.kind !== 'loadMore' && node.kind !== 'type' && node.kind !== 'moreTypes')) return;
      try {
        if (node.kind === 'moreTypes') await tree.loadMoreTypes();
        else await tree.loadMore(node);
      } catch (err) {
        void vscode.window.showErrorMessage(`HeapLens could not load more instances: ${errorMessage(err)}`);
      }
    }),
  ];
  return { disposables: [tree, view, loaded, selection, ...commands], tree };
}

export type { HeapTypesNode };
