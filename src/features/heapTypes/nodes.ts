// The nodes of the Heap Types view: namespace groups, heap types, their instances (paged), an object's fields,
// and the "Load more…" lines (of instances, of types). Plain data; heapTypesTree.ts turns them into tree items.
import { Instance, ObjectField } from '../../protocol/agent';
import { HeapTypeRow, NamespaceGroup } from '../../snapshots/heapTypeRows';
import type { AllocationSiteNode, AllocationSitesNode } from '../allocationSites/allocationNodes';

interface NodeBase {
  /** Stable tree item id: the snapshot, then the path down from the type. */
  id: string;
  /** The SnapshotRecord id the node belongs to. */
  recordId: string;
}

export interface NamespaceNode extends NodeBase {
  kind: 'namespace';
  group: NamespaceGroup;
}
export interface TypeNode extends NodeBase {
  kind: 'type';
  row: HeapTypeRow;
  parent?: NamespaceNode;
}
export interface InstanceNode extends NodeBase {
  kind: 'instance';
  type: string;
  instance: Instance;
  /** A string's text, when the type is System.String. */
  text?: string;
  parent: TypeNode;
}
export interface FieldNode extends NodeBase {
  kind: 'field';
  field: ObjectField;
  /** The type of the object the field belongs to. */
  ownerType: string;
  parent: InstanceNode | FieldNode;
}
export interface LoadMoreNode extends NodeBase {
  kind: 'loadMore';
  parent: TypeNode;
  loaded: number;
  total: number;
}

/** The "Load more types…" line at the end of the top level, when the agent has more types than are loaded. */
export interface MoreTypesNode extends NodeBase {
  kind: 'moreTypes';
  /** Agent types loaded so far, and how many match the filter in all. */
  loaded: number;
  total: number;
}

/** A line that says why something could not be shown (the agent failed, the snapshot is gone). */
export interface MessageNode extends NodeBase {
  kind: 'message';
  text: string;
  parent: HeapTypesNode;
}

/** "Allocated at" under a type (its parent is the TypeNode), and its sites. */
export type HeapTypesNode = NamespaceNode | TypeNode | InstanceNode | FieldNode | LoadMoreNode | MoreTypesNode | MessageNode | AllocationSitesNode | AllocationSiteNode;
