// The nodes of the Retention Paths view: for a heap type, one per group of instances whose paths have the same shape,
// each with the path of one example under it; for an object, one per path (its root); under a path, its steps.
import { RetentionGroup, RetentionGroups, RetentionPath } from '../../protocol/agent';
import { PathStep } from '../../snapshots/retentionWords';
import type { AllocationSiteNode, AllocationSitesNode } from '../allocationSites/allocationNodes';

export interface PathNode {
  kind: 'path';
  id: string;
  recordId: string;
  path: RetentionPath;
  index: number;
  /** The group whose example this path is, when the target is a heap type. */
  parent?: GroupNode;
}

export interface GroupNode {
  kind: 'group';
  id: string;
  recordId: string;
  group: RetentionGroup;
  /** Live instances of the type in all. */
  instances: number;
  type: string;
  index: number;
}

/** The groups beyond the ones listed, summed. */
export interface OtherGroupsNode {
  kind: 'otherGroups';
  id: string;
  recordId: string;
  other: NonNullable<RetentionGroups['otherGroups']>;
  instances: number;
}

/** A line that says why something could not be shown. */
export interface MessageNode {
  kind: 'message';
  id: string;
  recordId: string;
  text: string;
  parent?: GroupNode;
}

export interface StepNode {
  kind: 'step';
  id: string;
  recordId: string;
  step: PathStep;
  parent: PathNode;
}

/** After the paths: where objects of the type were allocated ("Allocated at", when sampled), and its sites. */
export type RetentionNode = GroupNode | OtherGroupsNode | PathNode | StepNode | MessageNode | AllocationSitesNode | AllocationSiteNode;

/** What the view explains: all instances of a type (their paths grouped), or one object. */
export interface RetentionTarget {
  recordId: string;
  type?: string;
  address?: string;
  /** The object's type, when the target is an address. */
  typeOfAddress?: string;
}
