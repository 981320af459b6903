// The one global a VS Code webview gets: a handle to post messages to the extension and keep state across reloads.
interface VsCodeWebviewApi<State> {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): void;
}
declare function acquireVsCodeApi<State = unknown>(): VsCodeWebviewApi<State>;
