// The Memory view: a webview view in the HeapLens container that draws the monitored process's counters, its GCs
// and the snapshots taken of it (src/webview/memory/). Strict content security policy (scripts only with this page's
// nonce, styles and scripts only from the extension's own files, nothing fetched); fed by message. A click on a
// snapshot mark comes back as `selectSnapshot`, checked against the marks the page was given.
import * as vscode from 'vscode';
import type { CounterSample, GcEvent } from '../../protocol/agent';
import type { FromMemoryPage, MemoryReport, MemoryStatus, SnapshotMark, ToMemoryPage } from '../../protocol/memoryView';
import { HeapLensServices } from '../services';
import { showHeapTypes } from '../capture/captureHeap';
import { LiveMonitor } from './liveMonitor';
import { webviewOptions, webviewPage } from '../webviewPage';

const FLUSH_MS = 500;

export class MemoryView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private report: MemoryReport | undefined;
  private readonly rendered = new vscode.EventEmitter<MemoryReport>();
  /** Fires each time the page has drawn, with what it drew. */
  readonly onDidRender = this.rendered.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Seconds and GCs not yet sent: a busy process has dozens of GCs a second, sent together twice a second. */
  private pending: { samples: CounterSample[]; gcs: GcEvent[] } = { samples: [], gcs: [] };
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly services: HeapLensServices,
    private readonly monitor: LiveMonitor,
  ) {
    this.subscriptions.push(
      monitor.onDidChange((change) => {
        if (change.kind === 'reset') this.reset();
        else if (change.kind === 'append') this.queue(change.samples, change.gcs);
        else void this.post({ type: 'status', status: this.status() });
      }),
      // A new, renamed or deleted snapshot of the process changes the marks.
      services.store.onDidChange((change) => {
        if (change === 'added' || change === 'removed' || change === 'updated') void this.post({ type: 'status', status: this.status() });
      }),
    );
  }

  /** What the page last reported it drew (tests read it). */
  get lastReport(): MemoryReport | undefined {
    return this.report;
  }
  get html(): string | undefined {
    return this.view?.webview.html;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const { extensionUri } = this.services.context;
    view.webview.options = webviewOptions(extensionUri);
    view.webview.html = webviewPage(view.webview, extensionUri, { script: 'memory', style: 'memory', title: 'HeapLens memory', loading: 'Loading…' });
    const received = view.webview.onDidReceiveMessage((message: FromMemoryPage) => this.receive(message));
    view.onDidDispose(() => {
      received.dispose();
      if (this.view === view) this.view = undefined;
    });
  }

  /** The snapshots of the monitored process, oldest first. */
  marks(): SnapshotMark[] {
    const key = this.monitor.target?.key;
    if (!key) return [];
    return this.services.store
      .all()
      .filter((r) => r.origin.key === key)
      .map((r) => ({ snapshotId: r.id, label: r.label, takenAt: r.takenAt }))
      .sort((a, b) => a.takenAt - b.takenAt);
  }

  private status(): MemoryStatus {
    return { ...this.monitor.status, snapshots: this.marks() };
  }

  private queue(samples: CounterSample[], gcs: GcEvent[]): void {
    this.pending.samples.push(...samples);
    this.pending.gcs.push(...gcs);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const { samples, gcs } = this.pending;
    this.pending = { samples: [], gcs: [] };
    if (samples.length || gcs.length) void this.post({ type: 'append', samples, gcs });
  }

  private reset(): void {
    // Everything goes in the reset: what was queued is in the monitor's history already.
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.pending = { samples: [], gcs: [] };
    void this.post({ type: 'reset', status: this.status(), samples: [...this.monitor.samples], gcs: [...this.monitor.gcs] });
  }

  private post(message: ToMemoryPage): Thenable<boolean> {
    // A status after queued seconds: the seconds first, so the page never shows an end before the last points.
    if (message.type === 'status' && (this.pending.samples.length || this.pending.gcs.length)) this.flush();
    // Hidden or never opened: the page asks for everything (`ready`) when it shows.
    return this.view ? this.view.webview.postMessage(message) : Promise.resolve(false);
  }

  private receive(message: FromMemoryPage): void {
    switch (message?.type) {
      case 'ready':
        this.reset();
        break;
      case 'rendered':
        this.report = message.report;
        this.rendered.fire(message.report);
        break;
      case 'selectSnapshot':
        void this.selectSnapshot(message.snapshotId);
        break;
    }
  }

  /** Selects a marked snapshot (Heap Types shows it); ids the page was not given are ignored. */
  async selectSnapshot(snapshotId: string): Promise<boolean> {
    if (!this.marks().some((m) => m.snapshotId === snapshotId)) {
      this.services.logger.warn('Memory view: ignored a snapshot the page was not given.');
      return false;
    }
    await this.services.store.select(snapshotId);
    await showHeapTypes();
    return true;
  }

  dispose(): void {
    clearTimeout(this.flushTimer);
    this.subscriptions.splice(0).forEach((d) => d.dispose());
    this.rendered.dispose();
  }
}
