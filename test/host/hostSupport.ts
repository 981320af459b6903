// Helpers the host tests share: the activated extension's test API, polling with a timeout, and reading a view's
// children and tree items through its data provider (what the view shows, without clicking).
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { HeapLensApi } from '../../src/extension';

const manifest = JSON.parse(fs.readFileSync(require.resolve('../../../package.json'), 'utf8')) as { publisher: string; name: string };

export async function heapLens(): Promise<HeapLensApi> {
  const extension = vscode.extensions.getExtension<HeapLensApi>(`${manifest.publisher}.${manifest.name}`);
  assert.ok(extension, 'HeapLens is not loaded');
  return extension.activate();
}

/** Polls `probe` until it returns a value, or fails after `ms` with `what`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function children<T>(provider: vscode.TreeDataProvider<T>, parent?: T): Promise<T[]> {
  return ((await provider.getChildren(parent)) ?? []) as T[];
}

/** A tree item's texts as the view shows them. */
export async function itemText<T>(provider: vscode.TreeDataProvider<T>, node: T): Promise<{ label: string; description: string; tooltip: string; contextValue?: string }> {
  const item = await provider.getTreeItem(node);
  const text = (v: unknown) => (typeof v === 'string' ? v : v && typeof v === 'object' && 'label' in v ? String((v as { label: string }).label) : v instanceof vscode.MarkdownString ? v.value : '');
  return { label: text(item.label), description: text(item.description), tooltip: text(item.tooltip), contextValue: item.contextValue };
}

/** Collects a debug session's Debug Console output (the fixture prints READY when its graph is built). */
export class DebugOutputWatcher implements vscode.DebugAdapterTrackerFactory {
  text = '';
  /** The pid of the adapter's `process` event. */
  pid: number | undefined;
  createDebugAdapterTracker(): vscode.DebugAdapterTracker {
    return {
      onDidSendMessage: (m: { type?: string; event?: string; body?: { output?: string; systemProcessId?: number } }) => {
        if (m.type === 'event' && m.event === 'output' && m.body?.output) this.text += m.body.output;
        if (m.type === 'event' && m.event === 'process') this.pid = m.body?.systemProcessId;
      },
    };
  }
  readyCount(): number {
    return (this.text.match(/^READY$/gm) ?? []).length;
  }
}
