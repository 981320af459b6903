// The extension's entry point: wires features, nothing else.
import type * as vscode from 'vscode';
import { registerDebugging } from './debug/register';

/** What activate() hands back: a small API for tests (and other extensions) to see which HeapLens is running. */
export interface HeapLensApi {
  readonly version: string;
}

export function activate(context: vscode.ExtensionContext): HeapLensApi {
  // Features are registered here as they land (one register.ts per folder in src/features/).
  context.subscriptions.push(...registerDebugging(context));
  return { version: String(context.extension.packageJSON.version) };
}

export function deactivate(): void {
  // Registrations are disposed through context.subscriptions.
}
