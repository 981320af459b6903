// Code lenses on C# event subscriptions. From the source alone: "never unsubscribed" where the type has no matching
// `-=` and no Dispose/unsubscribe path. With a selected snapshot: on each `+=` line the agent named (found in the
// program's IL, so also through an interface, a base class or another file, and even where the syntax index sees no
// subscription), what the heap holds through that event, with its growth since the snapshot it is compared with;
// clicking shows the retention path of one subscriber. Quiet elsewhere: a line with nothing to say gets no lens. The lens text is decided here, not in resolveCodeLens, because whether a lens exists
// at all depends on it; everything it needs is cached, so this stays cheap.
import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { RetentionTarget } from '../retentionPaths/nodes';
import { HeapLensServices } from '../services';
import { DocumentSites } from './documentSites';
import { evidenceTitle, evidenceTooltip, LineEvidence, namedTarget, staticHint } from './eventEvidence';
import { HeapEvidence } from './heapEvidence';
import { SubscriptionSite } from './subscriptionSites';

export class SubscriptionLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly services: HeapLensServices,
    private readonly sites: DocumentSites,
    private readonly evidence: HeapEvidence,
  ) {
    this.subscriptions.push(
      evidence.onDidChange(() => this.changed.fire()),
      services.store.onDidChange((change) => {
        if (change === 'selection' || change === 'baseline' || change === 'removed' || change === 'updated') this.changed.fire();
      }),
    );
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const sites = await this.sites.get(document);
    if (token.isCancellationRequested) return [];
    const lenses: vscode.CodeLens[] = [];
    // The heap's lenses first, on the lines the agent named; a syntax site on the same line lends its position.
    for (const found of this.heapEvidence(document)) {
      const line = found.site.line - 1;
      if (line < 0 || line >= document.lineCount) continue;
      const site = sites.find((s) => s.range.startLine === line);
      const character = site ? site.range.startCharacter : document.lineAt(line).firstNonWhitespaceCharacterIndex;
      lenses.push(new vscode.CodeLens(new vscode.Range(line, character, line, character), this.heapLens(found, site)));
    }
    for (const site of sites) {
      const hint = staticHint(site);
      const range = new vscode.Range(site.range.startLine, site.range.startCharacter, site.range.startLine, site.range.startCharacter);
      // A command with no id is shown as plain text: the hint explains itself in its tooltip.
      if (hint) lenses.push(new vscode.CodeLens(range, { title: hint.title, command: '', tooltip: hint.tooltip }));
    }
    return lenses;
  }

  /** The `+=` lines the agent named in this document, in the selected snapshot (none while loading). */
  private heapEvidence(document: vscode.TextDocument): LineEvidence[] {
    const record = this.services.store.selectedSnapshot;
    if (!record || document.uri.scheme !== 'file') return [];
    const found = this.evidence.inDocument(record, document.uri.fsPath);
    return found === 'loading' || !found ? [] : found;
  }

  private heapLens(found: LineEvidence, site: SubscriptionSite | undefined): vscode.Command {
    const { store } = this.services;
    const record = store.selectedSnapshot!;
    // The agent measured the growth against the snapshot's comparison: the insights are asked for with it.
    const comparison = store.comparisonFor(record);
    const growth = comparison && found.evidence.delegatesGrowth !== undefined ? { count: found.evidence.delegatesGrowth, since: comparison.base.label } : undefined;
    return {
      title: evidenceTitle(found, site?.handler.targetType, growth),
      tooltip: evidenceTooltip(found, record.label),
      command: Commands.ShowRetentionPaths,
      arguments: [retentionTarget(record.id, found, site)],
    };
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

/** The object the insight names, else the first instances of the handler's target type. */
function retentionTarget(recordId: string, found: LineEvidence, site: SubscriptionSite | undefined): RetentionTarget {
  const type = namedTarget(found.evidence, site?.handler.targetType);
  return found.evidence.address ? { recordId, address: found.evidence.address, typeOfAddress: type } : { recordId, type };
}
