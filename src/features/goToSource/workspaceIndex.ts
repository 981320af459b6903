// HeapLens's own index of the workspace's .cs files (src/sourceIndex/csharpIndex.ts, a real C# parser), built on
// first use and kept current by a file watcher. Used by Go to Source when no C# language server answers.
import * as vscode from 'vscode';
import { Logger } from '../../common/logger';
import { CSharpIndex } from '../../sourceIndex/csharpIndex';

const SOURCE_GLOB = '**/*.cs';
const EXCLUDE_GLOB = '**/{bin,obj,node_modules,.git}/**';
/** A workspace with more files than this is indexed only this far (the log says so). */
const MAX_FILES = 20_000;

export class WorkspaceIndex implements vscode.Disposable {
  private index: Promise<CSharpIndex> | undefined;
  private watcher: vscode.FileSystemWatcher | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly logger: Logger,
  ) {}

  /** The index, built on the first call. */
  get(): Promise<CSharpIndex> {
    if (!this.index) {
      this.index = this.build();
      this.index.catch(() => (this.index = undefined));
    }
    return this.index;
  }

  private async build(): Promise<CSharpIndex> {
    const started = Date.now();
    const wasm = (name: string) => vscode.Uri.joinPath(this.extensionUri, 'dist', name).fsPath;
    const index = await CSharpIndex.create({ runtimeWasm: wasm('web-tree-sitter.wasm'), csharpWasm: wasm('tree-sitter-c_sharp.wasm') });
    const files = (await vscode.workspace.findFiles(SOURCE_GLOB, EXCLUDE_GLOB, MAX_FILES)).filter((f) => f.scheme === 'file');
    // Read one file at a time, asynchronously: up to 20,000 files must not block the extension host.
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'HeapLens: indexing C# files' }, async (progress) => {
      for (let i = 0; i < files.length; i++) {
        if (i % 100 === 0) progress.report({ message: `${i.toLocaleString('en-US')} of ${files.length.toLocaleString('en-US')}` });
        await index.indexFileAsync(files[i].fsPath);
      }
    });
    if (files.length >= MAX_FILES) this.logger.warn(`the workspace has more than ${MAX_FILES} .cs files; Go to Source only knows the first ${MAX_FILES}`);
    this.logger.info(`indexed ${index.fileCount} C# file(s) for Go to Source in ${Date.now() - started} ms`);
    this.watcher = vscode.workspace.createFileSystemWatcher(SOURCE_GLOB);
    const reindex = (uri: vscode.Uri) => void (uri.scheme === 'file' && !/[\\/](bin|obj)[\\/]/.test(uri.fsPath) && index.indexFileAsync(uri.fsPath));
    this.watcher.onDidCreate(reindex);
    this.watcher.onDidChange(reindex);
    this.watcher.onDidDelete((uri) => index.removeFile(uri.fsPath));
    return index;
  }

  dispose(): void {
    this.watcher?.dispose();
  }
}
