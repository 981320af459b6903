// The summary page of one snapshot: a webview panel with a strict content security policy (scripts only with this
// page's nonce, styles and scripts only from the extension's own files, nothing fetched), fed its data by message.
// Its links come back as `follow` messages, checked against what the page was given before anything is opened.
import * as vscode from 'vscode';
import type { FromSummaryPage, RenderedReport, SummaryLink, SummaryState, ToSummaryPage } from '../../protocol/webview';
import type { SnapshotRecord } from '../../snapshots/snapshotStore';
import { errorMessage, HeapLensServices } from '../services';
import { followLink } from '../insights/followLink';
import type { InsightSource } from '../insights/insightSource';
import { buildSummaryState } from './summaryState';
import { webviewOptions, webviewPage } from '../webviewPage';

export const SUMMARY_VIEW_TYPE = 'heaplens.summary';

export class SummaryPanel implements vscode.Disposable {
  private state: SummaryState | undefined;
  private report: RenderedReport | undefined;
  private generation = 0;
  private readonly rendered = new vscode.EventEmitter<RenderedReport>();
  /** Fires each time the page has drawn a state, with what it drew. */
  readonly onDidRender = this.rendered.event;
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private isDisposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly recordId: string,
    private readonly services: HeapLensServices,
    private readonly insights: InsightSource,
  ) {
    const { extensionUri } = services.context;
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'heaplens.svg');
    panel.webview.html = this.page();
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((message: FromSummaryPage) => this.receive(message)),
      panel.onDidDispose(() => this.dispose()),
      services.store.onDidChange((change, changed) => {
        if (change === 'removed' && changed?.id === recordId) panel.dispose();
        // A new snapshot of the same session adds a point to the growth chart; a baseline changes the comparison.
        else if (change === 'baseline' || (changed && (change === 'added' || change === 'updated') && this.record()?.origin.key && changed.origin.key === this.record()?.origin.key)) void this.refresh();
      }),
    );
    void this.refresh();
  }

  /** What the page was last given (tests read it). */
  get currentState(): SummaryState | undefined {
    return this.state;
  }
  /** What the page last reported it drew. */
  get lastReport(): RenderedReport | undefined {
    return this.report;
  }
  /** The page's HTML (tests check its content security policy). */
  get html(): string {
    return this.panel.webview.html;
  }

  private record(): SnapshotRecord | undefined {
    return this.services.store.find(this.recordId);
  }

  /** Gathers the page's data again and sends it. */
  refresh(): Promise<void> {
    const record = this.record();
    if (!record) return Promise.resolve();
    this.panel.title = `Summary: ${record.label}`;
    const generation = ++this.generation;
    const loading = (async () => {
      if (!this.state) void this.post({ type: 'loading', label: record.label });
      try {
        const state = await buildSummaryState(this.services, this.insights, record);
        // A newer refresh started meanwhile: its data wins.
        if (generation !== this.generation) return;
        this.state = state;
        void this.post({ type: 'state', state });
      } catch (err) {
        if (generation !== this.generation) return;
        const message = `HeapLens could not read ${record.label}: ${errorMessage(err)}`;
        this.services.logger.error(message);
        void this.post({ type: 'failed', message });
      }
    })();
    return loading;
  }

  private post(message: ToSummaryPage): Thenable<boolean> {
    // Data gathered after the page was closed has nowhere to go.
    return this.isDisposed ? Promise.resolve(false) : this.panel.webview.postMessage(message);
  }

  private receive(message: FromSummaryPage): void {
    switch (message?.type) {
      case 'ready':
        // The page (re)loaded, e.g. after being hidden: it starts empty.
        if (this.state) void this.post({ type: 'state', state: this.state });
        break;
      case 'rendered':
        this.report = message.report;
        this.services.logger.trace(`summary of ${this.recordId}: drew ${message.report.heapBars} heap bar(s), ${message.report.topTypes.length} types, ${message.report.retainers.length} retainers, ${message.report.growthSeries.length} growth lines, ${message.report.insights.length} insights, ${message.report.allocationSites.length} allocation sites`);
        this.rendered.fire(message.report);
        break;
      case 'follow':
        void this.follow(message.link).then(undefined, (err) => vscode.window.showWarningMessage(errorMessage(err)));
        break;
    }
  }

  /** Opens what a link names, only if the page was given that link. */
  async follow(link: SummaryLink): Promise<void> {
    if (!this.offered(link)) throw new Error('HeapLens ignored a link the summary page was not given.');
    await followLink(this.services, this.recordId, link);
  }

  private offered(link: SummaryLink): boolean {
    const state = this.state;
    if (!state || typeof link !== 'object' || link === null) return false;
    const same = (a: SummaryLink) => JSON.stringify(a) === JSON.stringify(link);
    if (link.kind === 'type' && [...state.topTypes.map((t) => t.name), ...state.growth.map((g) => g.type), ...(state.retainers ?? []).map((r) => r.type)].includes(link.type)) return true;
    if (link.kind === 'retention' && (state.retainers ?? []).some((r) => r.address === link.address && (link.type === undefined || link.type === r.type))) return true;
    if (link.kind === 'source' && (state.allocations?.sites ?? []).some((s) => s.file === link.file && s.line === link.line)) return true;
    return (state.insights ?? []).some((i) => i.links.some(same));
  }

  private page(): string {
    return webviewPage(this.panel.webview, this.services.context.extensionUri, { script: 'summary', style: 'summary', title: 'HeapLens summary', loading: 'Reading the snapshot…' });
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.subscriptions.splice(0).forEach((d) => d.dispose());
    this.panel.dispose();
    this.disposed.fire();
    this.disposed.dispose();
    this.rendered.dispose();
  }
}
