// The Retention Paths view's data: for the selected heap type, the shortest paths of all its live instances grouped
// by shape (largest retained bytes first), each group expanding to the path of one example; for an instance, the
// paths from roots that keep it alive. Each root in words and each link as the field that holds the next object.
// When the process's allocations were sampled before the snapshot, a last "Allocated at" line says where objects of
// that type were allocated.
import * as vscode from 'vscode';
import { CancellationSource, CancelledError } from '../../common/async';
import { ItemKinds, Views } from '../../constants';
import { formatBytes, formatCount } from '../../common/numbers';
import { RetentionGroups, RetentionPath } from '../../protocol/agent';
import { groupSummary, groupTooltip } from '../../snapshots/retentionGroupWords';
import { pathSteps, pathSummary, rootTooltip } from '../../snapshots/retentionWords';
import { shortTypeName } from '../../snapshots/typeNames';
import { groupExamplePath } from '../../snapshots/groupExample';
import { withAgentProgress } from '../agentProgress';
import { allocationSiteItem, allocationSiteNodes, allocationSitesItem, allocationSitesNode } from '../allocationSites/allocationNodes';
import { messageItem } from '../messageItem';
import { errorMessage, HeapLensServices } from '../services';
import { GroupNode, MessageNode, OtherGroupsNode, PathNode, RetentionNode, RetentionTarget, StepNode } from './nodes';

/** With a type: how many groups to list (the rest are summed in one line). */
const MAX_GROUPS = 50;

interface Loaded {
  target: RetentionTarget;
  /** An object's paths (empty for a type). */
  paths: RetentionPath[];
  /** A type's groups. */
  groups?: RetentionGroups;
}

export class RetentionTree implements vscode.TreeDataProvider<RetentionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RetentionNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly loadedChanged = new vscode.EventEmitter<void>();
  readonly onDidLoad = this.loadedChanged.event;
  private target: RetentionTarget | undefined;
  private loading: Promise<Loaded | undefined> | undefined;
  private loaded: Loaded | undefined;
  private failure: string | undefined;
  /** Cancels the agent's work for a target the user has moved away from (arrow keys through Heap Types). */
  private cancelLoad: CancellationSource | undefined;
  private readonly subscription: { dispose(): void };
  /** The example path of each group expanded so far (group node id → its path). */
  private readonly examples = new Map<string, Promise<RetentionPath | undefined>>();

  constructor(private readonly services: HeapLensServices) {
    this.subscription = services.store.onDidChange((change, record) => {
      if (change === 'removed' && record?.id === this.target?.recordId) this.show(undefined);
    });
  }

  get currentTarget(): RetentionTarget | undefined {
    return this.target;
  }
  get error(): string | undefined {
    return this.failure;
  }

  /** Explains `target` (nothing when undefined); the paths load when the view asks for them. */
  show(target: RetentionTarget | undefined): void {
    this.cancelLoad?.cancel();
    this.cancelLoad = undefined;
    this.target = target;
    this.loading = undefined;
    this.loaded = undefined;
    this.failure = undefined;
    this.examples.clear();
    this.changed.fire(undefined);
    this.loadedChanged.fire();
  }

  /** An object's paths, loading them if needed (tests and the view title use this); empty for a type. */
  paths(): Promise<RetentionPath[]> {
    return this.ensureLoaded().then((l) => l?.paths ?? []);
  }

  /** A type's grouped paths, loading them if needed; undefined for an object. */
  groups(): Promise<RetentionGroups | undefined> {
    return this.ensureLoaded().then((l) => l?.groups);
  }

  private ensureLoaded(): Promise<Loaded | undefined> {
    const target = this.target;
    if (!target) return Promise.resolve(undefined);
    if (this.loaded?.target === target) return Promise.resolve(this.loaded);
    if (!this.loading) {
      const loading = this.load(target).then(
        (loaded) => {
          if (this.loading === loading) {
            this.loaded = loaded;
            this.loadedChanged.fire();
          }
          return loaded;
        },
        (err) => {
          // A newer target replaced this one (its load was cancelled for it): nothing to say.
          if (this.loading !== loading) return undefined;
          if (err instanceof CancelledError) this.failure = 'Cancelled. Select it again to trace its retention paths.';
          else {
            this.failure = `HeapLens could not trace the retention paths: ${errorMessage(err)}`;
            this.services.logger.error(this.failure);
          }
          this.loadedChanged.fire();
          return undefined;
        },
      );
      this.loading = loading;
    }
    return this.loading;
  }

  private async load(target: RetentionTarget): Promise<Loaded> {
    const record = this.services.store.find(target.recordId);
    if (!record) throw new Error('the snapshot was deleted');
    const cancellation = (this.cancelLoad = new CancellationSource());
    const analysis = this.services.analysis;
    return vscode.window.withProgress({ location: { viewId: Views.RetentionPaths } }, async () => {
      if (target.address) return { target, paths: (await analysis.roots(record, { address: target.address }, { cancellation })).paths };
      // Grouping needs the dominator tree (retained bytes): a large heap builds it with progress and Cancel.
      const groups = await withAgentProgress(this.services, `HeapLens: grouping the retention paths of ${shortTypeName(target.type!)}`, (c) => analysis.retentionGroups(record, target.type!, MAX_GROUPS, { cancellation: c }), cancellation);
      return { target, paths: [], groups };
    });
  }

  /** "Allocated at" for the target's type, when its process was sampled before the snapshot. */
  private async allocated(target: RetentionTarget): Promise<RetentionNode[]> {
    const record = this.services.store.find(target.recordId);
    const type = target.type ?? target.typeOfAddress;
    if (!record || !type) return [];
    const node = await allocationSitesNode(this.services, record, type, `${record.id}/${target.address ?? type}`).catch(() => undefined);
    return node ? [node] : [];
  }

  /** The example path of a group (its example instance's path from the group's root), fetched once. */
  private example(node: GroupNode): Promise<RetentionPath | undefined> {
    let example = this.examples.get(node.id);
    if (!example) {
      const record = this.services.store.find(node.recordId);
      if (!record) return Promise.reject(new Error('the snapshot was deleted'));
      example = this.services.analysis.roots(record, { address: node.group.example }).then((r) => groupExamplePath(node.group, r.paths));
      this.examples.set(node.id, example);
      example.catch(() => this.examples.get(node.id) === example && this.examples.delete(node.id));
    }
    return example;
  }

  async getChildren(element?: RetentionNode): Promise<RetentionNode[]> {
    if (!element) {
      const loaded = await this.ensureLoaded();
      if (!loaded) return [];
      const recordId = loaded.target.recordId;
      const key = loaded.target.address ?? loaded.target.type ?? '';
      const groups = loaded.groups;
      if (groups) {
        const nodes: RetentionNode[] = groups.groups.map((group, index): GroupNode => ({ kind: 'group', id: `${recordId}/${key}/g${index}`, recordId, group, instances: groups.instances, type: groups.type, index }));
        if (groups.otherGroups) nodes.push({ kind: 'otherGroups', id: `${recordId}/${key}/other`, recordId, other: groups.otherGroups, instances: groups.instances } satisfies OtherGroupsNode);
        return [...nodes, ...(await this.allocated(loaded.target))];
      }
      return [...loaded.paths.map((path, index): PathNode => ({ kind: 'path', id: `${recordId}/${key}/${index}`, recordId, path, index })), ...(await this.allocated(loaded.target))];
    }
    if (element.kind === 'allocations') return allocationSiteNodes(element);
    if (element.kind === 'group') {
      try {
        const path = await this.example(element);
        if (!path) return [{ kind: 'message', id: `${element.id}/none`, recordId: element.recordId, text: `No path to ${element.group.example}: it is no longer held.`, parent: element } satisfies MessageNode];
        return [{ kind: 'path', id: `${element.id}/example`, recordId: element.recordId, path, index: 0, parent: element } satisfies PathNode];
      } catch (err) {
        const text = `HeapLens could not trace ${element.group.example}: ${errorMessage(err)}`;
        this.services.logger.error(text);
        return [{ kind: 'message', id: `${element.id}/error`, recordId: element.recordId, text, parent: element } satisfies MessageNode];
      }
    }
    if (element.kind === 'path') {
      return pathSteps(element.path.links, element.path.omitted).map((step): StepNode => ({ kind: 'step', id: `${element.id}/${step.index}`, recordId: element.recordId, step, parent: element }));
    }
    return [];
  }

  getParent(element: RetentionNode): RetentionNode | undefined {
    return element.kind === 'step' || element.kind === 'path' || element.kind === 'message' || element.kind === 'allocationSite' ? element.parent : undefined;
  }

  getTreeItem(node: RetentionNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group':
        return groupItem(node);
      case 'otherGroups':
        return otherGroupsItem(node);
      case 'path':
        return pathItem(node);
      case 'step':
        return stepItem(node);
      case 'message':
        return messageItem(node);
      case 'allocations':
        return allocationSitesItem(node);
      case 'allocationSite':
        return allocationSiteItem(node);
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    this.loadedChanged.dispose();
  }
}

const ROOT_ICONS: Record<string, string> = { stack: 'debug-stackframe', static: 'symbol-field', handle: 'key', finalizer: 'trash', other: 'circle-outline' };

/** A root can be opened in source when the frame has a file or it is a static field. */
export function rootHasSource(path: RetentionPath): boolean {
  return (path.root.kind === 'stack' && !!path.root.file) || (path.root.kind === 'static' && !!path.root.field);
}

function groupItem(node: GroupNode): vscode.TreeItem {
  const { label, description } = groupSummary(node.group, node.instances);
  const item = new vscode.TreeItem(label, node.index === 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.description = description;
  item.tooltip = groupTooltip(node.group, node.instances, node.type);
  item.iconPath = new vscode.ThemeIcon(ROOT_ICONS[node.group.root.kind] ?? 'circle-outline');
  item.contextValue = ItemKinds.RetentionGroup;
  return item;
}

function otherGroupsItem(node: OtherGroupsNode): vscode.TreeItem {
  const { other } = node;
  const item = new vscode.TreeItem(`${formatCount(other.count)} of ${formatCount(node.instances)} · ${formatBytes(other.retainedBytes)} retained`, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.description = `${formatCount(other.groups)} more path shapes`;
  item.tooltip = `${formatCount(other.groups)} smaller groups of paths, not listed: ${formatCount(other.count)} objects, ${formatCount(other.bytes)} bytes, ${formatCount(other.retainedBytes)} bytes retained`;
  item.iconPath = new vscode.ThemeIcon('more');
  item.contextValue = ItemKinds.Message;
  return item;
}

function pathItem(node: PathNode): vscode.TreeItem {
  const { label, description } = pathSummary(node.path);
  const item = new vscode.TreeItem(label, node.index === 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.description = node.parent ? `example ${node.parent.group.example} · ${description}` : description;
  item.tooltip = rootTooltip(node.path.root);
  item.iconPath = new vscode.ThemeIcon(ROOT_ICONS[node.path.root.kind] ?? 'circle-outline');
  item.contextValue = rootHasSource(node.path) ? ItemKinds.RetentionPathWithSource : ItemKinds.RetentionPath;
  return item;
}

function stepItem(node: StepNode): vscode.TreeItem {
  const step = node.step;
  const item = new vscode.TreeItem(step.label, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  if (step.kind === 'gap') {
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.tooltip = `${formatCount(step.count)} links of this path were not sent: the agent sends at most the first and last 5,000 links of one path.`;
    item.contextValue = ItemKinds.PathStep;
    return item;
  }
  const named = step.kind !== 'object' && !step.field.startsWith('[');
  item.contextValue = named ? ItemKinds.PathStepWithSource : ItemKinds.PathStep;
  if (step.kind === 'fold') {
    item.iconPath = new vscode.ThemeIcon('fold');
    item.description = `${formatCount(step.count)} links`;
    item.tooltip = `${formatCount(step.count)} links in a row through ${step.type}.${step.field}, from ${step.from.type}`;
  } else {
    item.iconPath = new vscode.ThemeIcon(step.kind === 'object' ? 'symbol-object' : step.field.startsWith('[') ? 'symbol-array' : 'arrow-right');
    item.description = step.link.address;
    item.tooltip =
      step.kind === 'object'
        ? `${step.link.type} at ${step.link.address}: the object the root refers to`
        : `${step.from.type}.${step.field} → ${step.link.type} at ${step.link.address}`;
  }
  if (step.kind !== 'fold' && step.index === node.parent.path.links.length - 1) item.description = `${item.description} · target ${shortTypeName(step.link.type)}`;
  return item;
}
