// The Retention Paths view and "Show Retention Paths" (from a heap type, an instance or a reference field).
import * as vscode from 'vscode';
import { Commands, Views } from '../../constants';
import { shortTypeName } from '../../snapshots/typeNames';
import type { DominatorNode } from '../dominators/nodes';
import { HeapTypesNode } from '../heapTypes/nodes';
import { HeapLensServices } from '../services';
import { RetentionTarget } from './nodes';
import { RetentionTree } from './retentionTree';

/** A Heap Types or Dominators node as the target to explain; undefined for nodes that are not objects. */
export function targetOf(node: HeapTypesNode | DominatorNode | undefined): RetentionTarget | undefined {
  if (!node) return undefined;
  if (node.kind === 'dominator') return { recordId: node.recordId, address: node.item.address, typeOfAddress: node.item.type };
  if (node.kind === 'type') return { recordId: node.recordId, type: node.row.name };
  if (node.kind === 'instance') return { recordId: node.recordId, address: node.instance.address, typeOfAddress: node.type };
  if (node.kind === 'field' && node.field.address) return { recordId: node.recordId, address: node.field.address, typeOfAddress: node.field.type };
  return undefined;
}

export function registerRetentionPaths(_context: vscode.ExtensionContext, services: HeapLensServices): { disposables: vscode.Disposable[]; tree: RetentionTree } {
  const tree = new RetentionTree(services);
  const view = vscode.window.createTreeView(Views.RetentionPaths, { treeDataProvider: tree, showCollapseAll: true });
  const updateTitle = () => {
    const target = tree.currentTarget;
    view.description = target ? (target.address ? `${shortTypeName(target.typeOfAddress ?? '')} ${target.address}` : `${shortTypeName(target.type ?? '')} (all live instances, grouped)`) : undefined;
    view.message = !target ? 'Select a heap type or an instance in Heap Types to see what keeps it alive.' : tree.error;
    if (target && !tree.error) {
      void Promise.all([tree.paths(), tree.groups()]).then(([paths, groups]) => {
        if (tree.currentTarget !== target || tree.error) return;
        if (groups ? groups.groups.length === 0 : paths.length === 0) {
          view.message = groups
            ? 'No live instance: nothing keeps any of them alive, so the next garbage collection frees them.'
            : 'No retention path: nothing keeps this alive, so the next garbage collection frees it.';
        }
      });
    }
  };
  updateTitle();
  const loaded = tree.onDidLoad(updateTitle);
  const command = vscode.commands.registerCommand(Commands.ShowRetentionPaths, async (node?: HeapTypesNode | DominatorNode | RetentionTarget, options?: { reveal?: boolean }) => {
    const target = node && 'kind' in node ? targetOf(node) : (node as RetentionTarget | undefined);
    if (!target) {
      void vscode.window.showInformationMessage('Select a heap type or an instance in the Heap Types view to see its retention paths.');
      return;
    }
    tree.show(target);
    if (options?.reveal !== false) await vscode.commands.executeCommand(`${Views.RetentionPaths}.focus`);
  });
  return { disposables: [tree, view, loaded, command], tree };
}
