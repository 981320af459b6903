// Long agent work (the dominator tree of a large heap is built on first need) shown as a notification with Cancel:
// the notification appears only once the agent reports progress during the call, so quick answers flash nothing;
// Cancel stops the call, and the agent is told ($/cancelRequest) and stops building.
import * as vscode from 'vscode';
import { CancellationSource } from '../common/async';
import type { ProgressParams } from '../protocol/agent';
import type { HeapLensServices } from './services';

/**
 * Runs `work` with a cancellation that the notification's Cancel button triggers (as does `outer`, e.g. a newer
 * selection). The agent's progress messages while it runs become the notification's text.
 */
export async function withAgentProgress<T>(services: HeapLensServices, title: string, work: (cancellation: CancellationSource) => Promise<T>, outer?: CancellationSource): Promise<T> {
  const cancellation = new CancellationSource();
  const linked = outer?.onCancellationRequested(() => cancellation.cancel());
  let report: ((p: ProgressParams) => void) | undefined;
  let pending: ProgressParams | undefined;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const listener = services.analysis.onProgress((progress) => {
    if (report) return report(progress);
    pending = progress;
    report = () => undefined;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (shown, token) => {
      let last = 0;
      report = (p) => {
        // Percentages are absolute; the notification wants increments.
        const increment = p.percent !== undefined && p.percent > last ? p.percent - last : undefined;
        if (p.percent !== undefined) last = Math.max(last, p.percent);
        shown.report({ message: p.message, increment });
      };
      if (pending) report(pending);
      token.onCancellationRequested(() => cancellation.cancel());
      return finished;
    });
  });
  try {
    return await work(cancellation);
  } finally {
    listener.dispose();
    linked?.dispose();
    finish();
  }
}
