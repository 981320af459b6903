// The extension's entry point: wires features, nothing else.
import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Features are registered here as they land (one register.ts per folder in src/features/).
}

export function deactivate(): void {
  // Registrations are disposed through context.subscriptions.
}
