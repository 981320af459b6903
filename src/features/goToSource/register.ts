// Go to Source on retention paths, links, fields and types.
import * as vscode from 'vscode';
import { Commands } from '../../constants';
import { HeapTypesNode } from '../heapTypes/nodes';
import { RetentionNode } from '../retentionPaths/nodes';
import { errorMessage, HeapLensServices } from '../services';
import { Opened, SourceNavigator } from './goToSource';
import { WorkspaceIndex } from './workspaceIndex';

export function registerGoToSource(context: vscode.ExtensionContext, services: HeapLensServices): { disposables: vscode.Disposable[]; index: WorkspaceIndex } {
  const index = new WorkspaceIndex(context.extensionUri, services.logger);
  const navigator = new SourceNavigator(index);
  const command = vscode.commands.registerCommand(Commands.GoToSource, async (node?: RetentionNode | HeapTypesNode): Promise<Opened> => {
    try {
      return await navigator.goTo(node);
    } catch (err) {
      void vscode.window.showWarningMessage(errorMessage(err));
      return undefined;
    }
  });
  return { disposables: [index, command], index };
}
