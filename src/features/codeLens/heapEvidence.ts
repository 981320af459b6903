// The heap's evidence for the code lenses, per snapshot, looked up without waiting: a lookup answers from what is
// loaded and starts loading what is not, and `onDidChange` tells the lenses to ask again. The evidence is the agent's
// "event-handlers" insight (asked for with the snapshot's comparison, so it carries the growth) and the `+=` lines it
// names; a snapshot whose insights cannot be computed gets no heap lens, only the static hints.
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { SnapshotRecord } from '../../snapshots/snapshotStore';
import { HeapLensServices } from '../services';
import { InsightsAnswer, InsightSource } from '../insights/insightSource';
import { EventEvidence, evidenceFromInsights, evidenceInDocument, LineEvidence, sameSourceFile } from './eventEvidence';

interface RecordEvidence {
  answer?: InsightsAnswer;
  evidence?: EventEvidence[];
}

export type Lookup = LineEvidence[] | 'loading' | undefined;

export class HeapEvidence implements vscode.Disposable {
  private readonly records = new Map<string, RecordEvidence>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    services: HeapLensServices,
    private readonly insights: InsightSource,
  ) {
    this.subscriptions.push(
      insights.onDidChange(() => this.changed.fire()),
      services.store.onDidChange((change, record) => {
        if (change === 'removed' && record) this.records.delete(record.id);
        // The insights are asked for with the comparison, which a new baseline changes.
        if (change === 'baseline') this.records.clear();
      }),
    );
  }

  /** The `+=` lines the agent named in this document for `record`, with their evidence; 'loading' (onDidChange fires when loaded), or undefined. */
  inDocument(record: SnapshotRecord, documentPath: string): Lookup {
    let state = this.records.get(record.id);
    if (!state) {
      const created: RecordEvidence = {};
      state = created;
      this.records.set(record.id, created);
      void this.insights.forRecord(record).then((answer) => {
        if (this.records.get(record.id) !== created) return;
        created.answer = answer;
        this.changed.fire();
      });
    }
    if (!state.answer) return 'loading';
    if (state.answer.status !== 'ok') return undefined;
    state.evidence ??= evidenceFromInsights(state.answer.insights);
    const exists = new Map<string, boolean>();
    const onDisk = (file: string) => exists.get(file) ?? exists.set(file, fs.existsSync(file)).get(file)!;
    return evidenceInDocument(state.evidence, (file) => sameSourceFile(file, documentPath, onDisk(file)));
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}
