// The tree item of a line that says why something could not be shown (the agent failed, the work was cancelled),
// the same in every HeapLens view.
import * as vscode from 'vscode';
import { ItemKinds } from '../constants';

export function messageItem(node: { id: string; text: string }): vscode.TreeItem {
  const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.contextValue = ItemKinds.Message;
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
  item.tooltip = node.text;
  return item;
}
