// Code lenses on C# event subscriptions, registered only while `heaplens.codeLens.enabled` is on (turning the setting
// off removes the provider, so no document is parsed for lenses at all).
import * as vscode from 'vscode';
import { Settings } from '../../constants';
import { WorkspaceIndex } from '../goToSource/workspaceIndex';
import { InsightSource } from '../insights/insightSource';
import { HeapLensServices } from '../services';
import { codeLensEnabled } from '../settings';
import { DocumentSites } from './documentSites';
import { HeapEvidence } from './heapEvidence';
import { SubscriptionLensProvider } from './subscriptionLenses';

/** C# documents; by file name too, for hosts without a C# language contribution. */
const CSHARP: vscode.DocumentSelector = [
  { language: 'csharp', scheme: 'file' },
  { language: 'csharp', scheme: 'untitled' },
  { scheme: 'file', pattern: '**/*.cs' },
];

/** What tests read: the provider while enabled, and the document cache (its parse count). */
export interface CodeLensFeature {
  readonly provider: SubscriptionLensProvider | undefined;
  readonly sites: DocumentSites;
}

export function registerCodeLens(_context: vscode.ExtensionContext, services: HeapLensServices, insights: InsightSource, index: WorkspaceIndex): { disposables: vscode.Disposable[]; feature: CodeLensFeature } {
  const sites = new DocumentSites(index);
  const evidence = new HeapEvidence(services, insights);
  let provider: SubscriptionLensProvider | undefined;
  let registration: vscode.Disposable | undefined;
  const sync = () => {
    const enabled = codeLensEnabled();
    if (enabled && !registration) {
      provider = new SubscriptionLensProvider(services, sites, evidence);
      const registered = vscode.languages.registerCodeLensProvider(CSHARP, provider);
      const current = provider;
      registration = { dispose: () => (registered.dispose(), current.dispose()) };
    } else if (!enabled && registration) {
      registration.dispose();
      registration = undefined;
      provider = undefined;
    }
  };
  sync();
  const configuration = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`${Settings.Section}.${Settings.CodeLensEnabled}`)) sync();
  });
  const feature: CodeLensFeature = {
    get provider() {
      return provider;
    },
    sites,
  };
  return { disposables: [sites, evidence, configuration, { dispose: () => registration?.dispose() }], feature };
}
