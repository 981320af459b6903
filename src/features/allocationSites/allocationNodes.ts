// "Allocated at": where the objects of a heap type were allocated, from the allocation samples of the snapshot's
// process (taken while the Memory view sampled it, before the snapshot). The same nodes sit under a row of Heap
// Types and at the top of Retention Paths: one "Allocated at" line with the sampling in its tooltip, and under it
// the top sites (the first frame with a source line) with their share of the type's samples; Go to Source opens
// the line.
import * as path from 'path';
import * as vscode from 'vscode';
import { countOf, formatBytes, formatCount } from '../../common/numbers';
import { Commands, ItemKinds } from '../../constants';
import type { AllocatedType, AllocationReport, AllocationSite } from '../../protocol/agent';
import type { SnapshotRecord } from '../../snapshots/snapshotStore';
import { HeapLensServices } from '../services';

export interface AllocationSitesNode {
  kind: 'allocations';
  id: string;
  recordId: string;
  type: AllocatedType;
  report: AllocationReport;
  parent?: unknown;
}

export interface AllocationSiteNode {
  kind: 'allocationSite';
  id: string;
  recordId: string;
  site: AllocationSite;
  parent: AllocationSitesNode;
}

/** The "Allocated at" node of `type` in `record`, or undefined when its process's allocations were not sampled before it. */
export async function allocationSitesNode(services: HeapLensServices, record: SnapshotRecord, type: string, parentId: string, parent?: unknown): Promise<AllocationSitesNode | undefined> {
  const found = await services.allocations.typeReport(record.origin.key, type, record.takenAt);
  if (!found || found.type.sites.length === 0) return undefined;
  return { kind: 'allocations', id: `${parentId}/allocated`, recordId: record.id, type: found.type, report: found.report, parent };
}

export function allocationSiteNodes(node: AllocationSitesNode): AllocationSiteNode[] {
  return node.type.sites.map((site, i) => ({ kind: 'allocationSite', id: `${node.id}/${i}`, recordId: node.recordId, site, parent: node }));
}

export function allocationSitesItem(node: AllocationSitesNode): vscode.TreeItem {
  const item = new vscode.TreeItem('Allocated at', vscode.TreeItemCollapsibleState.Expanded);
  item.id = node.id;
  item.contextValue = ItemKinds.AllocationSites;
  item.iconPath = new vscode.ThemeIcon('pulse');
  item.description = `${countOf(node.type.samples, 'sample')} · ~${formatBytes(node.type.estimatedBytes)} allocated (estimated)`;
  item.tooltip = [
    `Where ${node.type.name} objects were allocated while the Memory view sampled the process (before this snapshot).`,
    `${countOf(node.type.samples, 'sample')} over ${node.report.seconds} s; about ${formatCount(node.type.estimatedBytes)} bytes allocated (estimated).`,
    `Sampling: ${node.report.samplingText}.`,
    ...(node.report.droppedBefore ? [`Samples before ${new Date(node.report.droppedBefore).toLocaleTimeString()} were dropped (the agent keeps a bounded number).`] : []),
  ].join('\n');
  return item;
}

/** "Program.Allocate  Program.cs:52 · 97%" */
export function allocationSiteItem(node: AllocationSiteNode): vscode.TreeItem {
  const { site } = node;
  const item = new vscode.TreeItem(site.method.split('(')[0], vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  const share = `${(site.share * 100).toFixed(site.share < 0.1 ? 1 : 0)}%`;
  item.description = site.file ? `${path.basename(site.file)}:${site.line} · ${share}` : `no source line · ${share}`;
  item.tooltip = [`${site.method}`, site.file ? `${site.file}:${site.line}` : 'No source line: no frame of this stack has a portable PDB.', `${countOf(site.samples, 'sample')} (${share} of the type's)`, '', ...site.stack].join('\n');
  item.iconPath = new vscode.ThemeIcon('symbol-method');
  item.contextValue = site.file ? ItemKinds.AllocationSiteWithSource : ItemKinds.AllocationSite;
  if (site.file) item.command = { command: Commands.GoToSource, title: 'Go to Source', arguments: [node] };
  return item;
}
