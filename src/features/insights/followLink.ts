// Following a link of an insight (from the Insights view, the summary page or a code lens): a heap type opens in Heap
// Types, an object or a type's instances in Retention Paths, a source location in the editor.
import * as vscode from 'vscode';
import { Commands, Views } from '../../constants';
import type { SummaryLink } from '../../protocol/webview';
import type { RetentionTarget } from '../retentionPaths/nodes';
import { HeapLensServices } from '../services';

export type InsightLink = SummaryLink;

export async function followLink(services: HeapLensServices, recordId: string, link: InsightLink): Promise<void> {
  const record = services.store.find(recordId);
  if (!record) throw new Error('This snapshot was deleted.');
  switch (link.kind) {
    case 'type':
      await services.store.select(record.id);
      await vscode.commands.executeCommand(Commands.FilterHeapTypes, link.type);
      await vscode.commands.executeCommand(`${Views.HeapTypes}.focus`);
      return;
    case 'retention': {
      const target: RetentionTarget = link.address ? { recordId, address: link.address, typeOfAddress: link.type } : { recordId, type: link.type };
      await vscode.commands.executeCommand(Commands.ShowRetentionPaths, target);
      return;
    }
    case 'source': {
      const position = new vscode.Position(Math.max(0, link.line - 1), 0);
      await vscode.window.showTextDocument(vscode.Uri.file(link.file), { selection: new vscode.Range(position, position), viewColumn: vscode.ViewColumn.One });
      return;
    }
  }
}
