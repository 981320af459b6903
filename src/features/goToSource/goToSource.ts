// Go to Source: from a retention path's root or link, or a Heap Types field or type, to the code. A stack root opens
// its frame's file at its line (from the portable PDB); a field (static or instance) opens its declaration; a link
// through an event offers the `+=` sites that subscribe to it. Declarations come from the workspace symbol
// provider when a C# language server is running, otherwise from HeapLens's own parser-based index.
import * as path from 'path';
import * as vscode from 'vscode';
import { Declaration, SourceLocation, Subscription } from '../../sourceIndex/csharpIndex';
import { chooseFrameFile, fileNameGlob } from '../../sourceIndex/frameFiles';
import { isArraySlot, shortTypeName, sourceFieldName, splitMember, typeNesting } from '../../snapshots/typeNames';
import { HeapTypesNode } from '../heapTypes/nodes';
import { RetentionNode } from '../retentionPaths/nodes';
import { WorkspaceIndex } from './workspaceIndex';

/** What Go to Source opened (tests read it), or undefined when there was nothing to open or the user cancelled. */
export type Opened = SourceLocation | undefined;

/** C# language servers whose workspace symbols we trust for declarations. */
const CSHARP_EXTENSIONS = ['ms-dotnettools.csharp', 'ms-dotnettools.csdevkit', 'muhammad-sammy.csharp'];

export class SourceNavigator {
  constructor(private readonly index: WorkspaceIndex) {}

  async goTo(node: RetentionNode | HeapTypesNode | undefined): Promise<Opened> {
    if (!node) throw new Error('Go to Source needs a retention path, a link or a field: use it from the Retention Paths or Heap Types view.');
    switch (node.kind) {
      case 'path': {
        const root = node.path.root;
        if (root.kind === 'stack') {
          if (!root.file) throw new Error(`The frame of ${root.method ?? 'this stack root'} has no source location: its program was built without a portable PDB.`);
          return this.openFrame(root.file, root.line);
        }
        if (root.kind === 'static' && root.field) {
          const { owner, member } = splitMember(root.field);
          return this.openMember(owner, member, false);
        }
        throw new Error('This root has no source: handles and the finalizer queue are held by the runtime, not by a line of code.');
      }
      case 'step': {
        const step = node.step;
        if (step.kind === 'gap') throw new Error('These links were not sent (the path is too long to send whole): use Go to Source on a link before or after them.');
        if (step.kind === 'object' || isArraySlot(step.field)) throw new Error(`${step.kind === 'object' ? 'The first object' : 'An array slot'} has no declaration of its own: use Go to Source on a field.`);
        return this.openMember(step.from.type, sourceFieldName(step.field), true);
      }
      case 'field':
        if (isArraySlot(node.field.name)) throw new Error('An array slot has no declaration of its own.');
        return this.openMember(node.ownerType, sourceFieldName(node.field.name), false);
      case 'type':
        return this.openType(node.row.name);
      case 'instance':
        return this.openType(node.type);
      case 'allocationSite':
        if (!node.site.file) throw new Error(`${node.site.method} has no source line: no frame of its stack has a portable PDB.`);
        return this.openFrame(node.site.file, node.site.line ?? undefined);
      default:
        throw new Error('Go to Source works on retention paths, links, fields and types.');
    }
  }

  /**
   * The frame's file: the PDB's path inside the workspace, else the workspace file of that name, else (after the
   * user agrees) the PDB's path outside the workspace; a dump can name any file, so none is opened unasked.
   */
  private async openFrame(file: string, line: number | undefined): Promise<Opened> {
    const name = path.basename(file);
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const sameNamed = (await vscode.workspace.findFiles(fileNameGlob(name), '**/{bin,obj}/**', 50)).map((u) => u.fsPath);
    const chosen = chooseFrameFile(file, folders, sameNamed);
    if (!chosen && sameNamed.length) {
      const folder = path.basename(path.dirname(file));
      throw new Error(`${file} (from the program's PDB) is not on this machine, and none of the workspace's ${sameNamed.length} files named ${name} is in a folder named ${folder}: open the program's project as the workspace.`);
    }
    if (!chosen) throw new Error(`${file} (from the program's PDB) is not on this machine, and the workspace has no ${name}.`);
    if (!chosen.inWorkspace) {
      const answer = await vscode.window.showWarningMessage(
        `The frame's source file ${chosen.file} (named by the program's PDB) is outside this workspace. Open it?`,
        { modal: true },
        'Open',
      );
      if (answer !== 'Open') return undefined;
    }
    return open({ file: chosen.file, line: line ?? 1, column: 1 });
  }

  private async openType(typeName: string): Promise<Opened> {
    const found = (await this.index.get()).findType(typeName);
    if (!found.length) throw new Error(`No declaration of ${typeName} in this workspace's C# files.`);
    return open(found[0]);
  }

  /** A field's declaration; for an event reached by a retention link, the sites that subscribe to it. */
  private async openMember(ownerType: string, member: string, subscriptions: boolean): Promise<Opened> {
    const fromServer = await this.fromLanguageServer(ownerType, member);
    const index = await this.index.get();
    const declarations = index.findMember(ownerType, member);
    const isEvent = declarations.some((d) => d.kind === 'event') || fromServer?.kind === vscode.SymbolKind.Event;
    if (subscriptions && isEvent) {
      const sites = index.findSubscriptions(member);
      if (sites.length === 1) return open(sites[0]);
      if (sites.length > 1) return this.pickSubscription(ownerType, member, sites);
    }
    if (fromServer) {
      const { uri, range } = fromServer.location;
      return open({ file: uri.fsPath, line: range.start.line + 1, column: range.start.character + 1 });
    }
    if (!declarations.length) throw new Error(`No declaration of ${shortTypeName(ownerType)}.${member} in this workspace's C# files (it may be in a library).`);
    return open(declarations[0]);
  }

  private async pickSubscription(ownerType: string, member: string, sites: Subscription[]): Promise<Opened> {
    const chosen = await vscode.window.showQuickPick(
      sites.map((s) => ({ label: s.text, description: `${vscode.workspace.asRelativePath(s.file)}:${s.line}`, site: s })),
      { title: `Where ${shortTypeName(ownerType)}.${member} is subscribed to (+=)`, placeHolder: 'Each of these adds a handler that keeps its target alive', matchOnDescription: true },
    );
    return chosen ? open(chosen.site) : undefined;
  }

  /** The workspace symbol provider's answer, only when a C# language server is running. */
  private async fromLanguageServer(ownerType: string, member: string): Promise<vscode.SymbolInformation | undefined> {
    if (!CSHARP_EXTENSIONS.some((id) => vscode.extensions.getExtension(id)?.isActive)) return undefined;
    const owner = typeNesting(ownerType).names.at(-1) ?? '';
    try {
      const symbols = (await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', member)) ?? [];
      return symbols.find(
        (s) =>
          s.name === member &&
          [vscode.SymbolKind.Field, vscode.SymbolKind.Event, vscode.SymbolKind.Property].includes(s.kind) &&
          (s.containerName === owner || s.containerName?.endsWith(`.${owner}`)),
      );
    } catch {
      return undefined;
    }
  }
}

async function open(location: SourceLocation | Declaration): Promise<Opened> {
  const position = new vscode.Position(Math.max(0, location.line - 1), Math.max(0, location.column - 1));
  await vscode.window.showTextDocument(vscode.Uri.file(location.file), { selection: new vscode.Range(position, position), preview: true });
  return { file: location.file, line: location.line, column: location.column };
}
