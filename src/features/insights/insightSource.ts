// The insights of a snapshot, for every feature that shows them (the Insights view, the code lenses, the summary
// page): asks the agent once per snapshot and comparison (the baseline, or the previous snapshot of the same process)
// and says plainly when the agent cannot compute insights, instead of failing each view on its own.
import * as vscode from 'vscode';
import { AgentError } from '../../agent/agentClient';
import { SnapshotComparison, SnapshotRecord } from '../../snapshots/snapshotStore';
import { errorMessage, HeapLensServices } from '../services';
import { Insight } from '../../protocol/agent';

/** JSON-RPC's "method not found": an agent from before heap/insights. */
const METHOD_NOT_FOUND = -32601;

export type InsightsAnswer =
  | { status: 'ok'; record: SnapshotRecord; comparison?: SnapshotComparison; insights: Insight[] }
  | { status: 'unavailable' | 'failed'; record: SnapshotRecord; comparison?: SnapshotComparison; message: string };

/** How the agent is asked: the snapshot and, when there is one, the snapshot it is compared with. */
export type FetchInsights = (record: SnapshotRecord, baseline: SnapshotRecord | undefined) => Promise<{ insights: Insight[] }>;

export class InsightSource implements vscode.Disposable {
  private readonly answers = new Map<string, Promise<InsightsAnswer>>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when what "the insights of the selected snapshot" means has changed (selection, baseline, deletion). */
  readonly onDidChange = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly services: HeapLensServices,
    private readonly fetch: FetchInsights,
  ) {
    this.subscription = services.store.onDidChange((change, record) => {
      if (change === 'removed' && record) for (const key of [...this.answers.keys()]) if (key.split('|').includes(record.id)) this.answers.delete(key);
      if (change === 'selection' || change === 'baseline' || change === 'removed' || change === 'added') this.changed.fire();
    });
  }

  /** The insights of `record`, compared with its baseline or previous snapshot when it has one. */
  forRecord(record: SnapshotRecord): Promise<InsightsAnswer> {
    const comparison = this.services.store.comparisonFor(record);
    const key = `${record.id}|${comparison?.base.id ?? ''}`;
    let answer = this.answers.get(key);
    if (!answer) {
      answer = this.fetch(record, comparison?.base).then(
        (result): InsightsAnswer => ({ status: 'ok', record, comparison, insights: result.insights }),
        (err): InsightsAnswer => {
          if (err instanceof AgentError && err.code === METHOD_NOT_FOUND) {
            return { status: 'unavailable', record, comparison, message: 'This HeapLens agent does not compute insights yet (it has no heap/insights): rebuild it with `npm run build`.' };
          }
          // A failure is not kept: a later try may succeed (a restarted agent, a dump that is back).
          if (this.answers.get(key) === answer) this.answers.delete(key);
          const message = `HeapLens could not compute the insights of ${record.label}: ${errorMessage(err)}`;
          this.services.logger.error(message);
          return { status: 'failed', record, comparison, message };
        },
      );
      this.answers.set(key, answer);
    }
    return answer;
  }

  /** The insights of the selected snapshot, or undefined when none is selected. */
  forSelected(): Promise<InsightsAnswer | undefined> {
    const record = this.services.store.selectedSnapshot;
    return record ? this.forRecord(record) : Promise.resolve(undefined);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
