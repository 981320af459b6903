// The extension's entry point: wires features, nothing else.
import * as vscode from 'vscode';
import { registerDebugging } from './debug/register';
import { registerCapture } from './features/capture/register';
import { registerCodeLens } from './features/codeLens/register';
import { registerDominators } from './features/dominators/register';
import { registerGoToSource } from './features/goToSource/register';
import { registerHeapTypes } from './features/heapTypes/register';
import { registerInsights } from './features/insights/register';
import { registerLiveMemory } from './features/liveMemory/register';
import { registerLog } from './features/log/register';
import { registerRetentionPaths } from './features/retentionPaths/register';
import { createServices } from './features/services';
import { registerSnapshots } from './features/snapshots/register';
import { registerSummary } from './features/summary/register';
import type { HeapLensApi, HeapLensPublicApi } from './features/testApi';

export type { HeapLensApi, HeapLensPublicApi };

export function activate(context: vscode.ExtensionContext): HeapLensApi | HeapLensPublicApi {
  const services = createServices(context);
  context.subscriptions.push(...registerDebugging(context, services.host));
  const snapshots = registerSnapshots(context, services);
  const heapTypes = registerHeapTypes(context, services);
  const retentionPaths = registerRetentionPaths(context, services);
  const dominators = registerDominators(context, services);
  const capture = registerCapture(context, services);
  const goToSource = registerGoToSource(context, services);
  const insights = registerInsights(context, services);
  const summary = registerSummary(context, services, insights.source);
  const codeLens = registerCodeLens(context, services, insights.source, goToSource.index);
  const liveMemory = registerLiveMemory(context, services, capture.tracker);
  context.subscriptions.push(
    services,
    ...snapshots.disposables,
    ...heapTypes.disposables,
    ...retentionPaths.disposables,
    ...dominators.disposables,
    ...capture.disposables,
    ...goToSource.disposables,
    ...insights.disposables,
    ...summary.disposables,
    ...codeLens.disposables,
    ...liveMemory.disposables,
    ...registerLog(context, services),
  );
  const version = String(context.extension.packageJSON.version);
  // The views' models and the capture are handed out only to tests (test/host); other extensions see the version.
  if (context.extensionMode !== vscode.ExtensionMode.Test) return { version };
  return {
    version,
    snapshots: services.store,
    snapshotsTree: snapshots.tree,
    heapTypes: heapTypes.tree,
    retentionPaths: retentionPaths.tree,
    dominators: dominators.tree,
    analysis: services.analysis,
    sourceIndex: goToSource.index,
    capture: capture.capture,
    insights: insights.tree,
    summaries: summary.pages,
    codeLens: codeLens.feature,
    liveMemory: liveMemory.feature,
  };
}

export function deactivate(): void {
  // Registrations (and the analysis agent) are disposed through context.subscriptions.
}
