// Runs the heaplens debug adapter inline in the extension host: no process to spawn, and the session can use the
// extension's own agent binaries. The session module loads only when the first session starts.
import * as vscode from 'vscode';

export class InlineDebugAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  async createDebugAdapterDescriptor(): Promise<vscode.DebugAdapterDescriptor> {
    const { HeapLensDebugSession } = await import('../debugAdapter/heaplensSession');
    return new vscode.DebugAdapterInlineImplementation(new HeapLensDebugSession());
  }
}
