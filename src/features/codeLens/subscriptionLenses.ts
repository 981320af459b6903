// Code lenses on C# event subscriptions. Without a snapshot: "never unsubscribed" where the type has no matching
// `-=` and no Dispose/unsubscribe path. With a selected snapshot: what the heap holds through that event (the agent's
// event-handlers insight), with its growth since the snapshot it is compared with; clicking shows the retention path
// of one subscriber. Quiet elsewhere: a site with
// nothing to say gets no lens. The lens text is decided here, not in resolveCodeLens, because whether a lens exists
// at all depends on it; everything it needs is cached, so this stays cheap.
import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { RetentionTarget } from '../retentionPaths/nodes';
import { HeapLensServices } from '../services';
import { DocumentSites } from './documentSites';
import { EvidenceMatch, evidenceTitle, evidenceTooltip, namedTarget, staticHint } from './eventEvidence';
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
    if (token.isCancellationRequested || sites.length === 0) return [];
    const lenses: vscode.CodeLens[] = [];
    // The workspace's declaring types of each event name, asked once per pass (a file may subscribe thousands of times).
    const owners = new Map<string, Promise<string[]>>();
    const ownersOf = (event: string) => owners.get(event) ?? owners.set(event, this.sites.declaringTypesOf(event)).get(event)!;
    for (const site of sites) {
      const range = new vscode.Range(site.range.startLine, site.range.startCharacter, site.range.startLine, site.range.startCharacter);
      const heap = await this.heapLens(site, ownersOf);
      if (heap) lenses.push(new vscode.CodeLens(range, heap));
      const hint = staticHint(site);
      // A command with no id is shown as plain text: the hint explains itself in its tooltip.
      if (hint) lenses.push(new vscode.CodeLens(range, { title: hint.title, command: '', tooltip: hint.tooltip }));
    }
    return lenses;
  }

  /** The heap's lens for a site in the selected snapshot, when it has evidence for it. */
  private async heapLens(site: SubscriptionSite, ownersOf: (event: string) => Promise<string[]>): Promise<vscode.Command | undefined> {
    const { store } = this.services;
    const record = store.selectedSnapshot;
    if (!record) return undefined;
    const owners = await ownersOf(site.event);
    const found = this.evidence.lookup(record, site, owners);
    if (!found || found === 'loading') return undefined;
    // The agent measured the growth against the snapshot's comparison: the insights are asked for with it.
    const comparison = store.comparisonFor(record);
    const growth = comparison && found.evidence.delegatesGrowth !== undefined ? { count: found.evidence.delegatesGrowth, since: comparison.base.label } : undefined;
    return {
      title: evidenceTitle(found, site, growth),
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
function retentionTarget(recordId: string, match: EvidenceMatch, site: SubscriptionSite): RetentionTarget {
  const type = namedTarget(match.evidence, site);
  return match.evidence.address ? { recordId, address: match.evidence.address, typeOfAddress: type } : { recordId, type };
}
