// The subscription sites of open C# documents, read once per document version with the C# index's parser (the lens
// provider asks on every scroll and edit pause; a big file must not be parsed again until it changes). What the rest
// of the workspace declares (events, methods, types) comes from Go to Source's index of the workspace's .cs files.
import * as vscode from 'vscode';
import { CSharpIndex } from '../../sourceIndex/csharpIndex';
import { WorkspaceIndex } from '../goToSource/workspaceIndex';
import { readSubscriptionSites, SubscriptionSite, WorkspaceKnowledge } from './subscriptionSites';

/** Documents larger than this get no lenses: generated code, and a parse would stall the lens pass. */
const MAX_DOCUMENT_CHARS = 5_000_000;

export class DocumentSites implements vscode.Disposable {
  private readonly cache = new Map<string, { version: number; sites: Promise<SubscriptionSite[]> }>();
  private readonly subscription: vscode.Disposable;
  /** How many times a document was parsed (tests check it stays once per version). */
  parses = 0;

  constructor(private readonly index: WorkspaceIndex) {
    this.subscription = vscode.workspace.onDidCloseTextDocument((d) => this.cache.delete(d.uri.toString()));
  }

  get(document: vscode.TextDocument): Promise<SubscriptionSite[]> {
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached?.version === document.version) return cached.sites;
    const sites = this.read(document);
    this.cache.set(key, { version: document.version, sites });
    sites.catch(() => this.cache.get(key)?.sites === sites && this.cache.delete(key));
    return sites;
  }

  private async read(document: vscode.TextDocument): Promise<SubscriptionSite[]> {
    const index = await this.index.get();
    const text = document.getText();
    if (text.length > MAX_DOCUMENT_CHARS) return [];
    this.parses++;
    return index.parse(text, (root) => readSubscriptionSites(root, knowledge(index))) ?? [];
  }

  dispose(): void {
    this.subscription.dispose();
    this.cache.clear();
  }
}

/** The index's answers, remembered for one read (a file asks about the same few names many times). */
function knowledge(index: CSharpIndex): WorkspaceKnowledge {
  const ask = (kind: 'event' | 'method' | 'type') => {
    const known = new Map<string, boolean>();
    return (name: string) => {
      let answer = known.get(name);
      if (answer === undefined) known.set(name, (answer = index.findDeclarations(name, kind).length > 0));
      return answer;
    };
  };
  return { isEvent: ask('event'), isMethod: ask('method'), isType: ask('type') };
}
