// The Insights view (the selected snapshot's insights, compared with its baseline or previous snapshot) and the
// command that follows an insight's link. Its InsightSource is shared with the code lenses and the summary page.
import * as vscode from 'vscode';
import { Commands, Views } from '../../constants';
import { errorMessage, HeapLensServices } from '../services';
import { followLink, InsightLink } from './followLink';
import { FetchInsights, InsightSource } from './insightSource';
import { InsightsTree } from './insightsTree';

export function registerInsights(_context: vscode.ExtensionContext, services: HeapLensServices): { disposables: vscode.Disposable[]; tree: InsightsTree; source: InsightSource } {
  const fetch: FetchInsights = (record, baseline) => services.analysis.insights(record, baseline);
  const source = new InsightSource(services, fetch);
  const tree = new InsightsTree(source);
  const view = vscode.window.createTreeView(Views.Insights, { treeDataProvider: tree, showCollapseAll: true });

  const updateTitle = () => {
    const answer = tree.current;
    const record = services.store.selectedSnapshot;
    view.description = answer ? `${answer.record.label}${answer.comparison ? ` vs ${answer.comparison.base.label}` : ''}` : undefined;
    if (!record) view.message = services.store.all().length ? 'Select a snapshot to see its insights.' : 'Capture the heap or open a dump: HeapLens then points out what looks like a leak.';
    else if (!answer) view.message = undefined;
    else if (answer.status !== 'ok') view.message = answer.message;
    else view.message = answer.insights.length ? undefined : `Nothing stands out in ${answer.record.label}.`;
  };
  updateTitle();
  const loaded = tree.onDidLoad(updateTitle);

  const command = vscode.commands.registerCommand(Commands.FollowInsightLink, async (recordId?: string, link?: InsightLink) => {
    if (typeof recordId !== 'string' || !link) return;
    try {
      await followLink(services, recordId, link);
    } catch (err) {
      void vscode.window.showWarningMessage(errorMessage(err));
    }
  });
  return { disposables: [source, tree, view, loaded, command], tree, source };
}
