// Wires the heaplens debugger into VS Code: the inline adapter, the configuration provider (initial and F5), and
// the process picker command. Returns the registrations for context.subscriptions.
import * as vscode from 'vscode';
import type { AgentHost } from '../agent/agentHost';
import { DEBUG_TYPE } from '../protocol/dap';
import { HeapLensConfigurationProvider } from './configurationProvider';
import { InlineDebugAdapterFactory } from './descriptorFactory';
import { PICK_PROCESS_COMMAND } from './ids';
import { pickDotnetProcess } from './processPicker';

export function registerDebugging(_context: vscode.ExtensionContext, agentHost: AgentHost): vscode.Disposable[] {
  const provider = new HeapLensConfigurationProvider();
  return [
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new InlineDebugAdapterFactory(agentHost)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider, vscode.DebugConfigurationProviderTriggerKind.Initial),
    // The dynamic list ("Run and Debug" > HeapLens...) only proposes; resolving stays with the provider above.
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      { provideDebugConfigurations: (folder, token) => provider.provideDebugConfigurations(folder, token) },
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.commands.registerCommand(PICK_PROCESS_COMMAND, () => pickDotnetProcess()),
  ];
}
