// Adapts VS Code's cancellation token to the core's Cancellation, so a progress notification's Cancel button
// stops a capture or an agent request.
import type * as vscode from 'vscode';
import { Cancellation } from '../common/async';

export function progressCancellation(token: vscode.CancellationToken): Cancellation {
  return {
    get isCancellationRequested() {
      return token.isCancellationRequested;
    },
    onCancellationRequested: (listener) => token.onCancellationRequested(listener),
  };
}
