// Runs the heaplens debug adapter inline in the extension host: no process to spawn, and the session borrows the
// extension's agent host, so the snapshots it takes are indexed once for the session and the views alike.
// The session module loads only when the first session starts.
import * as vscode from 'vscode';
import type { AgentHost } from '../agent/agentHost';

export class InlineDebugAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly agentHost: AgentHost) {}

  async createDebugAdapterDescriptor(): Promise<vscode.DebugAdapterDescriptor> {
    const { HeapLensDebugSession } = await import('../debugAdapter/heaplensSession');
    return new vscode.DebugAdapterInlineImplementation(new HeapLensDebugSession({ agentHost: this.agentHost }));
  }
}
