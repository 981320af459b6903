// The Snapshots view: every snapshot of this window, newest first, with its time, object count and heap bytes.
// Clicking one shows it in the Heap Types view; the baseline is marked.
import * as path from 'path';
import * as vscode from 'vscode';
import { formatBytes, formatCount } from '../../common/numbers';
import { Commands, ItemKinds } from '../../constants';
import { SnapshotRecord, SnapshotStore } from '../../snapshots/snapshotStore';

export class SnapshotsTree implements vscode.TreeDataProvider<SnapshotRecord>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SnapshotRecord | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: SnapshotStore) {
    this.subscription = store.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(element?: SnapshotRecord): SnapshotRecord[] {
    if (element) return [];
    return [...this.store.all()].reverse();
  }

  getParent(): undefined {
    return undefined;
  }

  getTreeItem(record: SnapshotRecord): vscode.TreeItem {
    const isBaseline = this.store.baselineId === record.id;
    const item = new vscode.TreeItem(record.label, vscode.TreeItemCollapsibleState.None);
    item.id = record.id;
    item.contextValue = isBaseline ? ItemKinds.BaselineSnapshot : ItemKinds.Snapshot;
    item.description = snapshotDescription(record, isBaseline);
    item.tooltip = snapshotTooltip(record, isBaseline);
    item.iconPath = new vscode.ThemeIcon(
      isBaseline ? 'pinned' : record.origin.kind === 'dumpFile' ? 'file-binary' : 'device-camera',
      this.store.selectedId === record.id ? new vscode.ThemeColor('charts.blue') : undefined,
    );
    item.resourceUri = vscode.Uri.file(record.dumpPath);
    item.command = { command: Commands.ShowSnapshot, title: 'Show in Heap Types', arguments: [record] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** "14:02:31 · 10,267 objects · 869.2 KB", with "baseline" in front for the baseline. */
export function snapshotDescription(record: SnapshotRecord, isBaseline: boolean): string {
  const parts = [new Date(record.takenAt).toLocaleTimeString()];
  if (record.objects !== undefined) parts.push(`${formatCount(record.objects)} objects`);
  if (record.bytes !== undefined) parts.push(formatBytes(record.bytes));
  return `${isBaseline ? 'baseline · ' : ''}${parts.join(' · ')}`;
}

function snapshotTooltip(record: SnapshotRecord, isBaseline: boolean): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escape(record.label)}**${isBaseline ? ' (baseline)' : ''}\n\n`);
  const origin =
    record.origin.kind === 'debugSession'
      ? `${record.origin.name}${record.origin.pid ? ` (process ${record.origin.pid})` : ''} in a ${record.origin.debugType ?? ''} debug session`
      : record.origin.kind === 'process'
        ? `Process ${record.origin.pid} (${record.origin.name})`
        : 'Dump opened from disk';
  md.appendMarkdown(`${escape(origin)}  \n`);
  md.appendMarkdown(`Taken ${escape(new Date(record.takenAt).toLocaleString())}  \n`);
  if (record.objects !== undefined && record.bytes !== undefined) {
    md.appendMarkdown(`${formatCount(record.objects)} live objects, ${formatCount(record.bytes)} bytes (${formatBytes(record.bytes)})  \n`);
  }
  if (record.runtimeVersion) md.appendMarkdown(`.NET ${escape(record.runtimeVersion)}  \n`);
  if (record.collected === true) md.appendMarkdown('Collected first: a full garbage collection ran just before the dump, so it holds live objects only  \n');
  if (record.collected === false) md.appendMarkdown('Captured as it was, without a garbage collection first: it may hold garbage  \n');
  md.appendMarkdown(`Dump: \`${record.dumpPath}\`${record.ownsDump ? '' : ' (not deleted with the snapshot)'}`);
  return md;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

/** A name for a dump opened from disk. */
export function dumpFileName(file: string): string {
  return path.basename(file);
}
