// Reads HeapLens's settings (package.json `contributes.configuration`) with their defaults and limits.
import * as path from 'path';
import * as vscode from 'vscode';
import { BUILTIN_CAPTURE_DEBUG_TYPES, Settings } from '../constants';
import type { DumpKind } from '../diagnostics/dump';

function section(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(Settings.Section);
}

/** heaplens, coreclr, clr and the types listed in `heaplens.debugTypes`. */
export function captureDebugTypes(): string[] {
  const extra = section().get<unknown>(Settings.DebugTypes);
  const listed = Array.isArray(extra) ? extra.filter((t): t is string => typeof t === 'string' && t.trim() !== '').map((t) => t.trim()) : [];
  return [...new Set([...BUILTIN_CAPTURE_DEBUG_TYPES, ...listed])];
}

/** Where new dumps go: `heaplens.dumpFolder` (absolute, or relative to the first workspace folder), else globalStorage/dumps. */
export function dumpFolder(context: vscode.ExtensionContext): string {
  const configured = section().get<string>(Settings.DumpFolder)?.trim();
  if (configured) {
    if (path.isAbsolute(configured)) return configured;
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (root) return path.join(root, configured);
  }
  return path.join(context.globalStorageUri.fsPath, 'dumps');
}

export function dumpKind(): DumpKind {
  return section().get<string>(Settings.DumpKind) === 'full' ? 'full' : 'withHeap';
}

/** Instances per page in the Heap Types view (10–5,000). */
export function pageSize(): number {
  const value = section().get<number>(Settings.PageSize) ?? 100;
  return Math.min(5000, Math.max(10, Math.trunc(Number.isFinite(value) ? value : 100)));
}

/** Heap types per page in the Heap Types view (10–5,000): the agent sends one page at a time. */
export function typesPageSize(): number {
  const value = section().get<number>(Settings.TypesPageSize) ?? 200;
  return Math.min(5000, Math.max(10, Math.trunc(Number.isFinite(value) ? value : 200)));
}

/** The agent's memory budget for open snapshots, in bytes (`heaplens.agentMemoryMB`, 64 MB – 1 TB). */
export function agentMemoryBytes(): number {
  const mb = section().get<number>(Settings.AgentMemory) ?? 2048;
  return Math.min(1024 * 1024, Math.max(64, Math.trunc(Number.isFinite(mb) ? mb : 2048))) * 1024 * 1024;
}

/** How long writing a dump may take, in ms (10 s – 1 h). */
export function captureTimeoutMs(): number {
  const seconds = section().get<number>(Settings.CaptureTimeout) ?? 120;
  return Math.min(3600, Math.max(10, Number.isFinite(seconds) ? seconds : 120)) * 1000;
}

/** A full GC before each capture of a running process (on unless `heaplens.collectBeforeCapture` is false). */
export function collectBeforeCapture(): boolean {
  return section().get<boolean>(Settings.CollectBeforeCapture) !== false;
}

/** Code lenses on C# event subscriptions (on unless `heaplens.codeLens.enabled` is false). */
export function codeLensEnabled(): boolean {
  return section().get<boolean>(Settings.CodeLensEnabled) !== false;
}

/**
 * `heaplens.dacSearchPaths`: folders searched for a dump's DAC (plain, or a symbol store), absolute or relative to
 * the first workspace folder. Machine scope: a workspace cannot point the agent at a library of its own choosing.
 */
export function dacSearchPaths(): string[] {
  const value = section().get<unknown>(Settings.DacSearchPaths);
  if (!Array.isArray(value)) return [];
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return value
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => p.trim())
    .filter((p) => path.isAbsolute(p) || root !== undefined)
    .map((p) => (path.isAbsolute(p) ? p : path.join(root!, p)));
}

/** Monitor the memory of .NET debug sessions in the Memory view (on unless `heaplens.liveMemory.enabled` is false). */
export function liveMemoryEnabled(): boolean {
  return section().get<boolean>(Settings.LiveMemoryEnabled) !== false;
}

/** Sample allocations while monitoring a heaplens debug session (on unless `heaplens.liveMemory.sampleAllocations` is false). */
export function sampleAllocations(): boolean {
  return section().get<boolean>(Settings.SampleAllocations) !== false;
}
