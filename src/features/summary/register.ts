// "Show Summary" on a snapshot: one summary page per snapshot (shown again if already open), restored after a window
// reload by a webview serializer.
import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { SummaryPageState } from '../../protocol/webview';
import type { SnapshotRecord } from '../../snapshots/snapshotStore';
import type { InsightSource } from '../insights/insightSource';
import { HeapLensServices } from '../services';
import { SUMMARY_VIEW_TYPE, SummaryPanel } from './summaryPanel';

export class SummaryPages implements vscode.Disposable {
  private readonly panels = new Map<string, SummaryPanel>();

  constructor(
    private readonly services: HeapLensServices,
    private readonly insights: InsightSource,
  ) {}

  /** Opens (or shows again) the summary page of `record`. */
  show(record: SnapshotRecord): SummaryPanel {
    const open = this.panels.get(record.id);
    if (open) {
      open.panel.reveal();
      return open;
    }
    const panel = vscode.window.createWebviewPanel(SUMMARY_VIEW_TYPE, `Summary: ${record.label}`, vscode.ViewColumn.Active, {});
    return this.adopt(panel, record.id);
  }

  /** The open page of a snapshot (tests read it). */
  get(recordId: string): SummaryPanel | undefined {
    return this.panels.get(recordId);
  }

  adopt(panel: vscode.WebviewPanel, recordId: string): SummaryPanel {
    const page = new SummaryPanel(panel, recordId, this.services, this.insights);
    this.panels.set(recordId, page);
    page.onDidDispose(() => {
      if (this.panels.get(recordId) === page) this.panels.delete(recordId);
    });
    return page;
  }

  dispose(): void {
    [...this.panels.values()].forEach((p) => p.dispose());
    this.panels.clear();
  }
}

export function registerSummary(_context: vscode.ExtensionContext, services: HeapLensServices, insights: InsightSource): { disposables: vscode.Disposable[]; pages: SummaryPages } {
  const pages = new SummaryPages(services, insights);
  const command = vscode.commands.registerCommand(Commands.ShowSummary, async (given?: SnapshotRecord): Promise<SummaryPanel | undefined> => {
    const record = services.store.find(given?.id) ?? services.store.selectedSnapshot;
    if (!record) {
      void vscode.window.showInformationMessage('Select a snapshot (or capture the heap) first, then show its summary.');
      return undefined;
    }
    return pages.show(record);
  });
  const serializer = vscode.window.registerWebviewPanelSerializer(SUMMARY_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: SummaryPageState | undefined) => {
      const record = services.store.find(state?.snapshotId);
      // The snapshot was deleted while the window was closed: nothing to show.
      if (!record) panel.dispose();
      else pages.adopt(panel, record.id);
    },
  });
  return { disposables: [pages, command, serializer], pages };
}
