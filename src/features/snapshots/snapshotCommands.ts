// The Snapshots view's commands: Open Dump…, Rename, Delete (with its dump, when HeapLens wrote it), Reveal the
// dump file, Set/Clear Baseline, and Show (select a snapshot for the Heap Types view).
import * as path from 'path';
import * as vscode from 'vscode';
import { checkDumpFile } from '../../diagnostics/dumpFileCheck';
import { CancelledError } from '../../common/async';
import { Commands, Views } from '../../constants';
import { SnapshotRecord } from '../../snapshots/snapshotStore';
import { errorMessage, HeapLensServices } from '../services';
import { addSnapshot } from './addSnapshot';
import { progressCancellation } from '../progress';

/** Commands from a view item get the item; from the palette, nothing: then ask which snapshot. */
async function pickSnapshot(services: HeapLensServices, given: unknown, placeHolder: string): Promise<SnapshotRecord | undefined> {
  const record = services.store.find((given as SnapshotRecord | undefined)?.id);
  if (record) return record;
  const all = [...services.store.all()].reverse();
  if (all.length === 0) {
    void vscode.window.showInformationMessage('HeapLens has no snapshots yet: capture the heap of a .NET process or open a dump first.');
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(
    all.map((r) => ({ label: r.label, description: new Date(r.takenAt).toLocaleTimeString(), detail: r.dumpPath, record: r })),
    { placeHolder },
  );
  return chosen?.record;
}

export async function openDump(services: HeapLensServices, given?: vscode.Uri): Promise<SnapshotRecord | undefined> {
  const uri =
    given instanceof vscode.Uri
      ? given
      : (
          await vscode.window.showOpenDialog({
            title: 'Open a .NET core dump',
            openLabel: 'Open Dump',
            canSelectMany: false,
            filters: { 'Core dumps': ['dmp', 'core', 'dump'], 'All files': ['*'] },
          })
        )?.[0];
  if (!uri) return undefined;
  let file: string;
  try {
    file = checkDumpFile(uri.fsPath, 'choose a core dump (Open Dump… or a snapshot from Capture Heap)');
  } catch (err) {
    void vscode.window.showErrorMessage(errorMessage(err));
    return undefined;
  }
  const existing = services.store.all().find((r) => r.dumpPath === file);
  if (existing) {
    await services.store.select(existing.id);
    return existing;
  }
  try {
    const record = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `HeapLens: opening ${path.basename(file)}`, cancellable: true },
      (progress, token) => {
        progress.report({ message: 'reading the heap…' });
        return addSnapshot(services, { dumpPath: file, ownsDump: false, origin: { kind: 'dumpFile', name: path.basename(file) } }, progressCancellation(token));
      },
    );
    await vscode.commands.executeCommand(`${Views.HeapTypes}.focus`).then(undefined, () => undefined);
    return record;
  } catch (err) {
    if (!(err instanceof CancelledError)) void vscode.window.showErrorMessage(`HeapLens could not open ${path.basename(file)}: ${errorMessage(err)}`);
    return undefined;
  }
}

export function registerSnapshotCommands(services: HeapLensServices): vscode.Disposable[] {
  const { store } = services;
  return [
    vscode.commands.registerCommand(Commands.OpenDump, (uri?: vscode.Uri) => openDump(services, uri)),
    vscode.commands.registerCommand(Commands.ShowSnapshot, async (given?: SnapshotRecord) => {
      const record = await pickSnapshot(services, given, 'Which snapshot should the Heap Types view show?');
      if (record) await store.select(record.id);
    }),
    vscode.commands.registerCommand(Commands.RenameSnapshot, async (given?: SnapshotRecord) => {
      const record = await pickSnapshot(services, given, 'Which snapshot to rename?');
      if (!record) return;
      const label = await vscode.window.showInputBox({
        title: 'Rename snapshot',
        value: record.label,
        validateInput: (v) => (v.trim() ? undefined : 'A snapshot needs a name.'),
      });
      if (label !== undefined) await store.rename(record.id, label);
    }),
    vscode.commands.registerCommand(Commands.DeleteSnapshot, async (given?: SnapshotRecord, options?: { confirmed?: boolean }) => {
      const record = await pickSnapshot(services, given, 'Which snapshot to delete?');
      if (!record) return;
      if (!options?.confirmed) {
        const detail = record.ownsDump
          ? `Its dump file is deleted too:\n${record.dumpPath}`
          : `The dump file was opened from disk and stays where it is:\n${record.dumpPath}`;
        const choice = await vscode.window.showWarningMessage(`Delete the snapshot "${record.label}"?`, { modal: true, detail }, 'Delete');
        if (choice !== 'Delete') return;
      }
      await services.analysis.forget(record);
      try {
        const deleted = await store.remove(record.id);
        services.logger.info(`deleted ${record.label}${deleted ? ` and ${deleted}` : ''}`);
      } catch (err) {
        void vscode.window.showErrorMessage(`HeapLens could not delete the dump ${record.dumpPath}: ${errorMessage(err)}. Delete it by hand.`);
      }
    }),
    vscode.commands.registerCommand(Commands.RevealDump, async (given?: SnapshotRecord) => {
      const record = await pickSnapshot(services, given, 'Reveal the dump of which snapshot?');
      if (record) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(record.dumpPath));
    }),
    vscode.commands.registerCommand(Commands.SetBaseline, async (given?: SnapshotRecord) => {
      const record = await pickSnapshot(services, given, 'Which snapshot is the baseline the others are compared with?');
      if (record) await store.setBaseline(record.id);
    }),
    vscode.commands.registerCommand(Commands.ClearBaseline, () => store.setBaseline(undefined)),
  ];
}
