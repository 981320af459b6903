// The Heap Types view's data: the dumpheap statistics of the selected snapshot, one row per type, compared with
// the baseline or the previous snapshot of the same process when there is one; a type expands to its instances
// (a page at a time), an instance to its fields, a reference field to the fields of the object it refers to.
// Types come a page at a time too (`heaplens.typesPageSize`, a "Load more types…" row): the agent sorts and
// filters all of them, so a heap of 50,000 types never crosses the wire whole. Grouping by namespace groups the
// rows loaded so far. Rows count live objects (reachable from a root) unless the view shows all objects, when the
// unreachable ones (dead, waiting for the next GC) count too and are marked among the instances. Each row also shows
// the bytes its instances retain; the first query of a snapshot builds the agent's dominator tree, with progress.
import * as vscode from 'vscode';
import { formatBytes, formatCount } from '../../common/numbers';
import { Commands, ContextKeys, ItemKinds, Settings } from '../../constants';
import { CountAndBytes, HeapObject, Instance } from '../../protocol/agent';
import {
  filterRows,
  groupByNamespace,
  HeapTypeRow,
  HeapTypeSort,
  rowDescription,
  rowsFromDiff,
  rowsFromStats,
  rowTooltip,
  sortRows,
  growthText,
} from '../../snapshots/heapTypeRows';
import { HeapTypePages, TypePage, TypePageQuery } from '../../snapshots/heapTypePages';
import { SnapshotComparison, SnapshotRecord } from '../../snapshots/snapshotStore';
import { shortTypeName } from '../../snapshots/typeNames';
import { withAgentProgress } from '../agentProgress';
import { allocationSiteItem, allocationSiteNodes, allocationSitesItem, allocationSitesNode } from '../allocationSites/allocationNodes';
import { messageItem } from '../messageItem';
import { errorMessage, HeapLensServices } from '../services';
import { pageSize, typesPageSize } from '../settings';
import { FieldNode, HeapTypesNode, InstanceNode, LoadMoreNode, MoreTypesNode, NamespaceNode, TypeNode } from './nodes';

const STRING_TYPE = 'System.String';
/** Strings in one page whose text is fetched at once. */
const STRING_TEXT_BATCH = 8;

interface LoadedRows {
  record: SnapshotRecord;
  comparison?: SnapshotComparison;
  pages: HeapTypePages;
  /** Whether the rows include unreachable objects. */
  all: boolean;
  /** The unreachable objects of the snapshot (counted in the rows only with `all`). */
  unreachable?: CountAndBytes;
}

interface InstancePages {
  count: number;
  instances: Array<{ instance: Instance; text?: string }>;
}

export class HeapTypesTree implements vscode.TreeDataProvider<HeapTypesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<HeapTypesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly loadedChanged = new vscode.EventEmitter<void>();
  /** Fires when the rows of a snapshot have been loaded (or failed to load): tests and the view title wait on it. */
  readonly onDidLoad = this.loadedChanged.event;

  private sort: HeapTypeSort = 'bytes';
  private filter = '';
  private grouped = false;
  private all = false;
  private loading: Promise<LoadedRows | undefined> | undefined;
  private loaded: LoadedRows | undefined;
  private failure: string | undefined;
  private readonly pages = new Map<string, InstancePages>();
  private readonly subscriptions: Array<{ dispose(): void }> = [];

  constructor(private readonly services: HeapLensServices) {
    this.subscriptions.push(
      services.store.onDidChange((change, record) => {
        // A new selection or baseline changes the rows; renames only the title.
        if (change === 'selection' || change === 'baseline' || (change === 'removed' && record?.id === this.loaded?.record.id)) this.reload();
        else if (change === 'updated' || change === 'removed') this.loadedChanged.fire();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${Settings.Section}.${Settings.TypesPageSize}`)) this.reloadTypes();
      }),
    );
    void vscode.commands.executeCommand('setContext', ContextKeys.HeapTypesFiltered, false);
    void vscode.commands.executeCommand('setContext', ContextKeys.HeapTypesGrouped, false);
    void vscode.commands.executeCommand('setContext', ContextKeys.HeapTypesAll, false);
  }

  // ---- state the view title shows and the commands change ---------------------------------------------------------

  get snapshot(): SnapshotRecord | undefined {
    return this.loaded?.record;
  }
  get comparison(): SnapshotComparison | undefined {
    return this.loaded?.comparison;
  }
  get sortOrder(): HeapTypeSort {
    return this.sort;
  }
  get typeFilter(): string {
    return this.filter;
  }
  get groupedByNamespace(): boolean {
    return this.grouped;
  }
  /** True when unreachable objects are counted and listed too (SOS `dumpheap -stat`); false for live objects only. */
  get allObjects(): boolean {
    return this.all;
  }
  /** The selected snapshot's unreachable objects, once its rows have loaded. */
  get unreachable(): CountAndBytes | undefined {
    return this.loaded?.unreachable;
  }
  get error(): string | undefined {
    return this.failure;
  }

  /** Types that match the filter in all, and how many of them are loaded ("200 of 50,000"). */
  get typeCounts(): { loaded: number; total: number } | undefined {
    return this.loaded ? { loaded: this.loaded.pages.loadedTypes, total: this.loaded.pages.totalTypes } : undefined;
  }

  // Sorting and filtering are the agent's: a new order or filter asks for a new first page.
  setSort(sort: HeapTypeSort): void {
    this.sort = sort;
    this.reloadTypes();
  }

  setFilter(filter: string): void {
    this.filter = filter.trim();
    void vscode.commands.executeCommand('setContext', ContextKeys.HeapTypesFiltered, this.filter !== '');
    this.reloadTypes();
  }

  /** Live objects only, or all objects (unreachable ones too): new rows, and instances listed again. */
  setAll(all: boolean): void {
    this.all = all;
    void vscode.commands.executeCommand('setContext', ContextKeys.HeapTypesAll, all);
    this.pages.clear();
    this.reloadTypes();
  }

  setGrouped(grouped: boolean): void {
    this.grouped = grouped;
    void vscode.commands.executeCommand('setContext', ContextKeys.HeapTypesGrouped, grouped);
    this.refreshRows();
  }

  /** The rows the view shows now (after filter and sort), loading them first if needed. For tests and the title. */
  async rows(): Promise<HeapTypeRow[]> {
    const loaded = await this.ensureLoaded();
    return loaded ? sortRows(filterRows([...loaded.pages.rows], this.filter), this.sort) : [];
  }

  /** Loads the next page of heap types (the "Load more types…" row). */
  async loadMoreTypes(): Promise<void> {
    const loaded = await this.ensureLoaded();
    if (!loaded?.pages.hasMore) return;
    await loaded.pages.loadNext();
    this.refreshRows();
  }

  /** Reloads the selected snapshot's rows (new selection, new baseline). */
  reload(): void {
    this.loading = undefined;
    this.loaded = undefined;
    this.failure = undefined;
    this.pages.clear();
    this.changed.fire(undefined);
    this.loadedChanged.fire();
  }

  /** New sort or filter: the same snapshot's rows again from the first page; expanded instances stay. */
  private reloadTypes(): void {
    this.loading = undefined;
    this.loaded = undefined;
    this.failure = undefined;
    this.refreshRows();
  }

  private refreshRows(): void {
    this.changed.fire(undefined);
    this.loadedChanged.fire();
  }

  /** Loads the rows of the selected snapshot once per selection; a failure becomes the view's message. */
  ensureLoaded(): Promise<LoadedRows | undefined> {
    const record = this.services.store.selectedSnapshot;
    if (!record) return Promise.resolve(undefined);
    const current = this.loaded;
    if (current?.record.id === record.id && current.pages.sort === this.sort && current.pages.filter === this.filter && current.all === this.all) return Promise.resolve(current);
    if (!this.loading) {
      const loading = this.load(record).then(
        (rows) => {
          if (this.loading === loading) {
            this.loaded = rows;
            this.loadedChanged.fire();
          }
          return rows;
        },
        (err) => {
          if (this.loading === loading) {
            this.failure = `HeapLens could not read ${record.label}: ${errorMessage(err)}`;
            this.services.logger.error(this.failure);
            this.loadedChanged.fire();
          }
          return undefined;
        },
      );
      this.loading = loading;
    }
    return this.loading;
  }

  private async load(record: SnapshotRecord): Promise<LoadedRows> {
    const comparison = this.services.store.comparisonFor(record);
    const analysis = this.services.analysis;
    const all = this.all;
    let unreachable: CountAndBytes | undefined;
    const fetch = (q: TypePageQuery): Promise<TypePage> =>
      // The first query of a snapshot builds its dominator tree (retained sizes): a large heap shows progress.
      withAgentProgress(this.services, `HeapLens: computing retained sizes of ${record.label}`, async (cancellation) => {
        const page = { offset: q.offset, top: q.top, filter: q.filter || undefined, ...(all ? { all } : {}) };
        if (comparison) {
          const diff = await analysis.diffPage(comparison.base, record, { ...page, sort: q.sort }, { cancellation });
          unreachable = diff.unreachable?.after;
          return { rows: rowsFromDiff(diff), consumed: diff.types.length, totalTypes: diff.totalTypes };
        }
        // Without a comparison there is no growth: sorting by growth sorts by bytes.
        const stats = await analysis.statsPage(record, { ...page, sort: q.sort === 'growth' ? 'bytes' : q.sort }, { cancellation });
        unreachable = stats.unreachable;
        return { rows: rowsFromStats(stats.types), consumed: stats.types.length, totalTypes: stats.totalTypes };
      });
    const pages = new HeapTypePages(this.sort, this.filter, typesPageSize(), fetch);
    await pages.loadNext();
    return { record, comparison, pages, all, unreachable };
  }

  // ---- the tree ----------------------------------------------------------------------------------------------------

  async getChildren(element?: HeapTypesNode): Promise<HeapTypesNode[]> {
    if (!element) return this.topLevel();
    try {
      return await this.childrenOf(element);
    } catch (err) {
      const text = errorMessage(err);
      this.services.logger.error(`Heap Types: ${text}`);
      return [{ kind: 'message', id: `${element.id}/error`, recordId: element.recordId, text, parent: element }];
    }
  }

  private async childrenOf(element: HeapTypesNode): Promise<HeapTypesNode[]> {
    switch (element.kind) {
      case 'namespace':
        return element.group.rows.map((row) => this.typeNode(element.recordId, row, element));
      case 'type': {
        // Where its objects were allocated, when the process was sampled before the snapshot; then the instances.
        const allocated = await allocationSitesNode(this.services, this.record(element), element.row.name, element.id, element).catch(() => undefined);
        return [...(allocated ? [allocated] : []), ...(await this.instanceNodes(element))];
      }
      case 'allocations':
        return allocationSiteNodes(element);
      case 'instance':
        return this.fieldNodes(element, element.instance.address, element.type);
      case 'field':
        return element.field.address ? this.fieldNodes(element, element.field.address, element.field.type) : [];
      default:
        return [];
    }
  }

  getParent(element: HeapTypesNode): HeapTypesNode | undefined {
    return element.kind === 'namespace' || element.kind === 'moreTypes' ? undefined : (element.parent as HeapTypesNode | undefined);
  }

  private async topLevel(): Promise<HeapTypesNode[]> {
    const loaded = await this.ensureLoaded();
    if (!loaded) return [];
    const rows = filterRows([...loaded.pages.rows], this.filter);
    const recordId = loaded.record.id;
    const nodes: HeapTypesNode[] = this.grouped
      ? groupByNamespace(rows, this.sort).map((group): NamespaceNode => ({ kind: 'namespace', id: `${recordId}/ns/${group.namespace}`, recordId, group }))
      : sortRows(rows, this.sort).map((row) => this.typeNode(recordId, row));
    if (loaded.pages.hasMore) {
      nodes.push({ kind: 'moreTypes', id: `${recordId}/moreTypes`, recordId, loaded: loaded.pages.loadedTypes, total: loaded.pages.totalTypes } satisfies MoreTypesNode);
    }
    return nodes;
  }

  private typeNode(recordId: string, row: HeapTypeRow, parent?: NamespaceNode): TypeNode {
    return { kind: 'type', id: `${recordId}/t/${row.name}`, recordId, row, parent };
  }

  private record(node: HeapTypesNode): SnapshotRecord {
    const record = this.services.store.find(node.recordId);
    if (!record) throw new Error('This snapshot was deleted.');
    return record;
  }

  /** The pages of instances loaded so far (the first page on first expand). */
  private async instanceNodes(node: TypeNode): Promise<HeapTypesNode[]> {
    let pages = this.pages.get(node.id);
    if (!pages) {
      pages = await this.fetchPage(node, 0);
      this.pages.set(node.id, pages);
    }
    const children: HeapTypesNode[] = pages.instances.map(
      ({ instance, text }): InstanceNode => ({ kind: 'instance', id: `${node.id}/${instance.address}`, recordId: node.recordId, type: node.row.name, instance, text, parent: node }),
    );
    if (pages.instances.length < pages.count) {
      children.push({ kind: 'loadMore', id: `${node.id}/more`, recordId: node.recordId, parent: node, loaded: pages.instances.length, total: pages.count } satisfies LoadMoreNode);
    }
    return children;
  }

  /** Loads the next page of a type's instances (the "Load more…" line). */
  async loadMore(node: LoadMoreNode | TypeNode): Promise<void> {
    const type = node.kind === 'loadMore' ? node.parent : node;
    const pages = this.pages.get(type.id);
    if (!pages) return;
    const next = await this.fetchPage(type, pages.instances.length);
    pages.instances.push(...next.instances);
    pages.count = next.count;
    this.changed.fire(type);
  }

  private async fetchPage(node: TypeNode, offset: number): Promise<InstancePages> {
    const record = this.record(node);
    const page = await this.services.analysis.instances(record, node.row.name, offset, pageSize(), { all: this.all });
    const instances: InstancePages['instances'] = page.instances.map((instance) => ({ instance }));
    if (node.row.name === STRING_TYPE) {
      for (let i = 0; i < instances.length; i += STRING_TEXT_BATCH) {
        const batch = instances.slice(i, i + STRING_TEXT_BATCH);
        const objects = await Promise.all(batch.map((s) => this.services.analysis.object(record, s.instance.address).catch(() => undefined)));
        objects.forEach((o, k) => (batch[k].text = o?.text));
      }
    }
    return { count: page.count, instances };
  }

  private async fieldNodes(parent: InstanceNode | FieldNode, address: string, ownerType: string): Promise<HeapTypesNode[]> {
    const object: HeapObject = await this.services.analysis.object(this.record(parent), address);
    return object.fields.map((field): FieldNode => ({ kind: 'field', id: `${parent.id}/${field.name}`, recordId: parent.recordId, field, ownerType: object.type || ownerType, parent }));
  }

  getTreeItem(node: HeapTypesNode): vscode.TreeItem {
    switch (node.kind) {
      case 'namespace':
        return namespaceItem(node);
      case 'type':
        return this.typeItem(node);
      case 'instance':
        return instanceItem(node);
      case 'field':
        return fieldItem(node);
      case 'loadMore':
        return loadMoreItem(node);
      case 'moreTypes':
        return moreTypesItem(node, this.grouped);
      case 'message':
        return messageItem(node);
      case 'allocations':
        return allocationSitesItem(node);
      case 'allocationSite':
        return allocationSiteItem(node);
    }
  }

  private typeItem(node: TypeNode): vscode.TreeItem {
    const row = node.row;
    const item = new vscode.TreeItem(shortTypeName(row.name), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.contextValue = ItemKinds.HeapType;
    item.description = rowDescription(row);
    const base = this.loaded?.comparison?.base;
    item.tooltip = rowTooltip(row, base?.label);
    item.iconPath = row.isNew
      ? new vscode.ThemeIcon('diff-added', new vscode.ThemeColor('charts.green'))
      : row.growth && row.growth.bytes > 0
        ? new vscode.ThemeIcon('arrow-up', new vscode.ThemeColor('charts.orange'))
        : new vscode.ThemeIcon('symbol-class');
    item.accessibilityInformation = { label: `${row.name}, ${rowTooltip(row, base?.label).split('\n').slice(1).join(', ')}` };
    return item;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
    this.loadedChanged.dispose();
  }
}

function namespaceItem(node: NamespaceNode): vscode.TreeItem {
  const group = node.group;
  const item = new vscode.TreeItem(group.namespace || '(global namespace)', vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.contextValue = ItemKinds.Namespace;
  item.iconPath = new vscode.ThemeIcon('symbol-namespace');
  item.description = rowDescription(group);
  item.tooltip = `${group.namespace || 'The global namespace'}\n${group.rows.length} types, ${formatCount(group.count)} objects, ${formatCount(group.bytes)} bytes${
    group.growth ? `\n${growthText(group.growth)}` : ''
  }`;
  return item;
}

function instanceItem(node: InstanceNode): vscode.TreeItem {
  const { instance } = node;
  const item = new vscode.TreeItem(instance.address, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.contextValue = instance.unreachable ? ItemKinds.UnreachableInstance : ItemKinds.Instance;
  item.iconPath = instance.unreachable
    ? new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'))
    : new vscode.ThemeIcon(node.text !== undefined ? 'symbol-string' : 'symbol-object');
  const retained = !instance.unreachable && typeof instance.retainedBytes === 'number' && instance.retainedBytes > instance.size ? ` · ${formatBytes(instance.retainedBytes)} retained` : '';
  const size = `${formatCount(instance.size)} B${retained}${instance.unreachable ? ' · unreachable' : ''}`;
  item.description = node.text !== undefined ? `${JSON.stringify(clip(node.text))} · ${size}` : size;
  item.tooltip = [
    `${node.type} at ${instance.address}`,
    `${formatCount(instance.size)} bytes`,
    ...(typeof instance.retainedBytes === 'number' && !instance.unreachable ? [`${formatCount(instance.retainedBytes)} bytes retained: freed if it went`] : []),
    ...(instance.unreachable ? ['Unreachable: no root keeps it alive; the next garbage collection frees it'] : []),
    ...(node.text !== undefined ? [JSON.stringify(clip(node.text, 500))] : []),
  ].join('\n');
  return item;
}

function fieldItem(node: FieldNode): vscode.TreeItem {
  const field = node.field;
  const item = new vscode.TreeItem(field.name, field.address ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.contextValue = field.address ? ItemKinds.ReferenceField : ItemKinds.Field;
  item.iconPath = new vscode.ThemeIcon(field.address ? 'symbol-field' : 'symbol-constant');
  item.description = field.address ? `${shortTypeName(field.type)} ${field.value}` : field.value;
  item.tooltip = `${node.ownerType}.${field.name}: ${field.type}\n${field.value}`;
  return item;
}

function loadMoreItem(node: LoadMoreNode): vscode.TreeItem {
  const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.contextValue = ItemKinds.LoadMore;
  item.iconPath = new vscode.ThemeIcon('more');
  item.description = `${formatCount(node.loaded)} of ${formatCount(node.total)} shown`;
  item.tooltip = `Show the next ${formatCount(Math.min(pageSize(), node.total - node.loaded))} instances of ${node.parent.row.name}`;
  item.command = { command: Commands.LoadMore, title: 'Load more', arguments: [node] };
  return item;
}

function moreTypesItem(node: MoreTypesNode, grouped: boolean): vscode.TreeItem {
  const item = new vscode.TreeItem('Load more types…', vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.contextValue = ItemKinds.LoadMore;
  item.iconPath = new vscode.ThemeIcon('more');
  item.description = `${formatCount(node.loaded)} of ${formatCount(node.total)} types shown`;
  item.tooltip = `Show the next ${formatCount(Math.min(typesPageSize(), node.total - node.loaded))} heap types (sorted and filtered over all ${formatCount(node.total)})${
    grouped ? '\nNamespace groups hold only the types loaded so far.' : ''
  }`;
  item.command = { command: Commands.LoadMore, title: 'Load more types', arguments: [node] };
  return item;
}

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The view's title description: which snapshot, compared with what, sorted how, filtered by what. */
export function titleDescription(tree: HeapTypesTree): string | undefined {
  const record = tree.snapshot;
  if (!record) return undefined;
  const parts = [record.label];
  if (tree.comparison) parts.push(`vs ${tree.comparison.base.label}`);
  parts.push(`by ${tree.sortOrder}`);
  const unreachable = tree.unreachable;
  if (tree.allObjects) parts.push(unreachable?.count ? `all objects (${formatCount(unreachable.count)} unreachable)` : 'all objects');
  else if (unreachable?.count) parts.push(`live (${formatCount(unreachable.count)} unreachable hidden)`);
  if (tree.typeFilter) parts.push(`“${tree.typeFilter}”`);
  const counts = tree.typeCounts;
  if (counts && counts.loaded < counts.total) parts.push(`${formatCount(counts.loaded)} of ${formatCount(counts.total)} types`);
  return parts.join(' · ');
}

