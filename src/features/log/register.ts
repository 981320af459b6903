// "HeapLens: Show Log": the output channel with the agent's log and every capture and failure.
import * as vscode from 'vscode';
import { Commands } from '../../constants';
import { HeapLensServices } from '../services';

export function registerLog(_context: vscode.ExtensionContext, services: HeapLensServices): vscode.Disposable[] {
  return [vscode.commands.registerCommand(Commands.ShowLog, () => services.log.show(true))];
}
