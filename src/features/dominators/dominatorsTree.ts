// The Dominators view's data: for the selected snapshot, the objects that retain most (the bytes the next GC would
// free if each went), largest first, a page at a time; each expands down the dominator tree to the objects it alone
// keeps alive. The agent builds the tree on first need, with progress and Cancel.
import * as vscode from 'vscode';
import { CancelledError } from '../../common/async';
import { formatBytes, formatCount } from '../../common/numbers';
import { Commands, ItemKinds } from '../../constants';
import type { Dominator } from '../../protocol/agent';
import { dominatorText } from '../../snapshots/dominatorWords';
import { describeRoot } from '../../snapshots/retentionWords';
import type { SnapshotRecord } from '../../snapshots/snapshotStore';
import { withAgentProgress } from '../agentProgress';
import { messageItem } from '../messageItem';
import { errorMessage, HeapLensServices } from '../services';
import { DominatorNode, DominatorsNode, MoreDominatorsNode } from './nodes';

/** Dominators per page (top level and children). */
export const DOMINATORS_PAGE = 50;

interface Page {
  items: Dominator[];
  total: number;
  liveBytes: number;
}

export class DominatorsTree implements vscode.TreeDataProvider<DominatorsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DominatorsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly loadedChanged = new vscode.EventEmitter<void>();
  /** Fires when the top level has loaded (or failed): the view title and tests wait on it. */
  readonly onDidLoad = this.loadedChanged.event;
  /** Loaded pages per parent: '' for the top level, else the parent node's id. */
  private readonly pages = new Map<string, Promise<Page>>();
  private failure: string | undefined;
  private liveBytes: number | undefined;
  private readonly subscription: { dispose(): void };

  constructor(private readonly services: HeapLensServices) {
    this.subscription = services.store.onDidChange((change) => {
      if (change === 'selection' || change === 'removed') this.reload();
    });
  }

  get snapshot(): SnapshotRecord | undefined {
    return this.services.store.selectedSnapshot;
  }
  get error(): string | undefined {
    return this.failure;
  }
  /** The selected snapshot's live bytes, once the top level has loaded. */
  get live(): number | undefined {
    return this.liveBytes;
  }

  reload(): void {
    this.pages.clear();
    this.failure = undefined;
    this.liveBytes = undefined;
    this.changed.fire(undefined);
    this.loadedChanged.fire();
  }

  async getChildren(element?: DominatorsNode): Promise<DominatorsNode[]> {
    const record = this.snapshot;
    if (!record || (element && element.kind !== 'dominator')) return [];
    if (element && element.item.children === 0) return [];
    try {
      const page = await this.page(record, element);
      const nodes: DominatorsNode[] = page.items.map(
        (item): DominatorNode => ({ kind: 'dominator', id: `${element?.id ?? record.id}/${item.address}`, recordId: record.id, item, liveBytes: page.liveBytes, parent: element }),
      );
      if (page.items.length < page.total) {
        nodes.push({ kind: 'more', id: `${element?.id ?? record.id}/more`, recordId: record.id, parent: element, loaded: page.items.length, total: page.total } satisfies MoreDominatorsNode);
      }
      return nodes;
    } catch (err) {
      const text = err instanceof CancelledError ? 'Cancelled. Refresh to compute the dominator tree again.' : `HeapLens could not compute the dominators: ${errorMessage(err)}`;
      if (!(err instanceof CancelledError)) this.services.logger.error(text);
      if (!element) {
        this.failure = text;
        this.loadedChanged.fire();
        return [];
      }
      return [{ kind: 'message', id: `${element.id}/error`, recordId: record.id, text, parent: element }];
    }
  }

  /** The pages of `parent`'s children loaded so far (the first on first expand). */
  private page(record: SnapshotRecord, parent: DominatorNode | undefined): Promise<Page> {
    const key = parent?.id ?? '';
    let page = this.pages.get(key);
    if (!page) {
      page = this.fetch(record, parent, 0).then((first) => {
        if (!parent) {
          this.liveBytes = first.liveBytes;
          this.loadedChanged.fire();
        }
        return first;
      });
      this.pages.set(key, page);
      page.catch(() => this.pages.get(key) === page && this.pages.delete(key));
    }
    return page;
  }

  private fetch(record: SnapshotRecord, parent: DominatorNode | undefined, offset: number): Promise<Page> {
    const query = { address: parent?.item.address, top: DOMINATORS_PAGE, offset };
    return withAgentProgress(this.services, `HeapLens: building the dominator tree of ${record.label}`, async (cancellation) => {
      const answer = await this.services.analysis.dominators(record, query, { cancellation });
      return { items: answer.items, total: answer.total, liveBytes: answer.liveBytes };
    });
  }

  /** Loads the next page after a "Load more…" line. */
  async loadMore(node: MoreDominatorsNode): Promise<void> {
    const record = this.services.store.find(node.recordId);
    const key = node.parent?.id ?? '';
    const loaded = this.pages.get(key);
    if (!record || !loaded) return;
    const current = await loaded;
    const next = await this.fetch(record, node.parent, current.items.length);
    this.pages.set(key, Promise.resolve({ ...current, items: [...current.items, ...next.items], total: next.total }));
    this.changed.fire(node.parent);
  }

  getParent(element: DominatorsNode): DominatorsNode | undefined {
    return element.parent;
  }

  getTreeItem(node: DominatorsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'dominator':
        return dominatorItem(node);
      case 'more': {
        const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.contextValue = ItemKinds.LoadMore;
        item.iconPath = new vscode.ThemeIcon('more');
        item.description = `${formatCount(node.loaded)} of ${formatCount(node.total)} shown`;
        item.command = { command: Commands.LoadMoreDominators, title: 'Load more', arguments: [node] };
        return item;
      }
      case 'message':
        return messageItem(node);
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    this.loadedChanged.dispose();
  }
}

function dominatorItem(node: DominatorNode): vscode.TreeItem {
  const { item } = node;
  const { label, description } = dominatorText(item, node.liveBytes);
  const tree = new vscode.TreeItem(label, item.children > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  tree.id = node.id;
  tree.description = description;
  tree.contextValue = ItemKinds.Dominator;
  // An object that alone keeps a tenth of the heap alive is what MAT calls a leak suspect.
  tree.iconPath = node.liveBytes > 0 && item.retainedBytes * 10 >= node.liveBytes ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.orange')) : new vscode.ThemeIcon('symbol-object');
  tree.tooltip = [
    `${item.type} at ${item.address}`,
    `${formatCount(item.size)} bytes itself; ${formatCount(item.retainedBytes)} bytes (${formatBytes(item.retainedBytes)}) in ${formatCount(item.retainedObjects)} objects retained: freed if it went`,
    ...(item.root ? [`Held by: ${describeRoot(item.root)}`] : []),
    item.children > 0 ? `Expand: the ${formatCount(item.children)} objects it alone keeps alive directly` : 'It keeps no other object alive on its own',
  ].join('\n');
  return tree;
}
