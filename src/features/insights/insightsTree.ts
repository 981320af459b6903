// The Insights view's data: the insights of the selected snapshot (compared with its baseline or previous snapshot),
// warnings first; each expands to its figures and its links (heap types, objects to explain, source lines).
import * as vscode from 'vscode';
import { Commands, ItemKinds, Views } from '../../constants';
import { shortTypeName } from '../../snapshots/typeNames';
import { insightLinks } from '../summary/summaryState';
import { figureText } from '../../common/numbers';
import { InsightLink } from './followLink';
import { InsightsAnswer, InsightSource } from './insightSource';
import { Insight } from '../../protocol/agent';

export interface InsightNode {
  kind: 'insight';
  id: string;
  recordId: string;
  insight: Insight;
}

export interface InsightDetailNode {
  kind: 'figure' | 'link';
  id: string;
  recordId: string;
  parent: InsightNode;
  label: string;
  description?: string;
  link?: InsightLink;
}

export type InsightsNode = InsightNode | InsightDetailNode;

export class InsightsTree implements vscode.TreeDataProvider<InsightsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<InsightsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly loadedChanged = new vscode.EventEmitter<void>();
  /** Fires when the insights of the selected snapshot have loaded (or failed): the view title and tests wait on it. */
  readonly onDidLoad = this.loadedChanged.event;
  private answer: InsightsAnswer | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly source: InsightSource) {
    this.subscription = source.onDidChange(() => this.reload());
  }

  /** What the view shows now (tests and the title read it). */
  get current(): InsightsAnswer | undefined {
    return this.answer;
  }

  reload(): void {
    this.answer = undefined;
    this.changed.fire(undefined);
    this.loadedChanged.fire();
  }

  /** The insights of the selected snapshot, loading them if needed. */
  async load(): Promise<InsightsAnswer | undefined> {
    const answer = await vscode.window.withProgress({ location: { viewId: Views.Insights } }, () => this.source.forSelected());
    if (answer !== this.answer) {
      this.answer = answer;
      this.loadedChanged.fire();
    }
    return answer;
  }

  async getChildren(element?: InsightsNode): Promise<InsightsNode[]> {
    if (!element) {
      const answer = await this.load();
      if (answer?.status !== 'ok') return [];
      const ordered = [...answer.insights].sort((a, b) => severityRank(a) - severityRank(b));
      return ordered.map((insight, index): InsightNode => ({ kind: 'insight', id: `${answer.record.id}/${index}/${insight.kind}`, recordId: answer.record.id, insight }));
    }
    return element.kind === 'insight' ? details(element) : [];
  }

  getParent(element: InsightsNode): InsightsNode | undefined {
    return element.kind === 'insight' ? undefined : element.parent;
  }

  getTreeItem(node: InsightsNode): vscode.TreeItem {
    if (node.kind === 'insight') return insightItem(node);
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = node.description;
    if (node.link) {
      item.contextValue = ItemKinds.InsightLink;
      item.iconPath = new vscode.ThemeIcon(node.link.kind === 'type' ? 'symbol-class' : node.link.kind === 'retention' ? 'type-hierarchy-sub' : 'go-to-file');
      item.command = { command: Commands.FollowInsightLink, title: node.label, arguments: [node.recordId, node.link] };
      item.tooltip = node.link.kind === 'source' ? `${node.link.file}:${node.link.line}` : node.label;
    } else {
      item.contextValue = ItemKinds.InsightFigure;
      item.iconPath = new vscode.ThemeIcon('symbol-number');
    }
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    this.loadedChanged.dispose();
  }
}

function severityRank(insight: Insight): number {
  return insight.severity === 'warning' ? 0 : 1;
}

/** "event-handlers" → "event handlers". */
export function kindWords(kind: string): string {
  return kind.replace(/-/g, ' ');
}

function insightItem(node: InsightNode): vscode.TreeItem {
  const { insight } = node;
  const item = new vscode.TreeItem(insight.title, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.description = kindWords(insight.kind);
  item.contextValue = insight.severity === 'warning' ? ItemKinds.InsightWarning : ItemKinds.InsightInfo;
  item.iconPath =
    insight.severity === 'warning'
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : new vscode.ThemeIcon('info', new vscode.ThemeColor('charts.blue'));
  const tooltip = new vscode.MarkdownString(undefined, false);
  tooltip.appendMarkdown(`**${escapeMarkdown(insight.title)}**\n\n`);
  tooltip.appendText(insight.detail);
  item.tooltip = tooltip;
  return item;
}

function details(parent: InsightNode): InsightDetailNode[] {
  const { insight, recordId } = parent;
  const figures = Object.entries(insight.figures).map(
    ([name, value], i): InsightDetailNode => ({ kind: 'figure', id: `${parent.id}/f${i}`, recordId, parent, label: name, description: figureText(name, value) }),
  );
  const links = insightLinks(insight).map(
    (link, i): InsightDetailNode => ({ kind: 'link', id: `${parent.id}/l${i}`, recordId, parent, label: linkLabel(link), description: linkDescription(link), link }),
  );
  return [...figures, ...links];
}

function linkLabel(link: InsightLink): string {
  switch (link.kind) {
    case 'type':
      return `Show ${shortTypeName(link.type)} in Heap Types`;
    case 'retention':
      return 'Show retention path';
    case 'source':
      return `${link.file.split(/[\\/]/).pop()}:${link.line}${link.note ? ` (${link.note})` : ''}`;
  }
}

function linkDescription(link: InsightLink): string | undefined {
  if (link.kind === 'type') return link.type;
  if (link.kind === 'retention') return link.address ?? link.type;
  // The folder, when the label (the file's name) does not say where it is.
  const relative = vscode.workspace.asRelativePath(link.file);
  return relative === link.file.split(/[\\/]/).pop() ? undefined : relative;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
