// The Retention Paths view's data: for the selected heap type (its first instances) or instance, the paths from
// roots that keep it alive, each root in words and each link as the field that holds the next object.
import * as vscode from 'vscode';
import { CancellationSource, CancelledError } from '../../common/async';
import { ItemKinds, Views } from '../../constants';
import { formatCount } from '../../common/numbers';
import { RetentionPath } from '../../protocol/agent';
import { pathSteps, pathSummary, rootTooltip } from '../../snapshots/retentionWords';
import { shortTypeName } from '../../snapshots/typeNames';
import { errorMessage, HeapLensServices } from '../services';
import { PathNode, RetentionNode, RetentionTarget, StepNode } from './nodes';

/** With a type: how many of its instances to trace. */
const MAX_INSTANCES = 10;

interface Loaded {
  target: RetentionTarget;
  paths: RetentionPath[];
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
    this.changed.fire(undefined);
    this.loadedChanged.fire();
  }

  /** The paths for the current target, loading them if needed (tests and the view title use this). */
  paths(): Promise<RetentionPath[]> {
    return this.ensureLoaded().then((l) => l?.paths ?? []);
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
          if (this.loading === loading && !(err instanceof CancelledError)) {
            this.failure = `HeapLens could not trace the retention paths: ${errorMessage(err)}`;
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

  private async load(target: RetentionTarget): Promise<Loaded> {
    const record = this.services.store.find(target.recordId);
    if (!record) throw new Error('the snapshot was deleted');
    const query = target.address ? { address: target.address } : { type: target.type!, max: MAX_INSTANCES };
    const cancellation = (this.cancelLoad = new CancellationSource());
    const result = await vscode.window.withProgress({ location: { viewId: Views.RetentionPaths } }, () => this.services.analysis.roots(record, query, { cancellation }));
    return { target, paths: result.paths };
  }

  async getChildren(element?: RetentionNode): Promise<RetentionNode[]> {
    if (!element) {
      const loaded = await this.ensureLoaded();
      if (!loaded) return [];
      const recordId = loaded.target.recordId;
      const key = loaded.target.address ?? loaded.target.type ?? '';
      return loaded.paths.map((path, index): PathNode => ({ kind: 'path', id: `${recordId}/${key}/${index}`, recordId, path, index }));
    }
    if (element.kind === 'path') {
      return pathSteps(element.path.links).map((step): StepNode => ({ kind: 'step', id: `${element.id}/${step.index}`, recordId: element.recordId, step, parent: element }));
    }
    return [];
  }

  getParent(element: RetentionNode): RetentionNode | undefined {
    return element.kind === 'step' ? element.parent : undefined;
  }

  getTreeItem(node: RetentionNode): vscode.TreeItem {
    return node.kind === 'path' ? pathItem(node) : stepItem(node);
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

function pathItem(node: PathNode): vscode.TreeItem {
  const { label, description } = pathSummary(node.path);
  const item = new vscode.TreeItem(label, node.index === 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.description = description;
  item.tooltip = rootTooltip(node.path.root);
  item.iconPath = new vscode.ThemeIcon(ROOT_ICONS[node.path.root.kind] ?? 'circle-outline');
  item.contextValue = rootHasSource(node.path) ? ItemKinds.RetentionPathWithSource : ItemKinds.RetentionPath;
  return item;
}

function stepItem(node: StepNode): vscode.TreeItem {
  const step = node.step;
  const item = new vscode.TreeItem(step.label, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
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
