// The nodes of the Retention Paths view: one per path (its root), and under it the path's steps.
import { RetentionPath } from '../../protocol/agent';
import { PathStep } from '../../snapshots/retentionWords';

export interface PathNode {
  kind: 'path';
  id: string;
  recordId: string;
  path: RetentionPath;
  index: number;
}

export interface StepNode {
  kind: 'step';
  id: string;
  recordId: string;
  step: PathStep;
  parent: PathNode;
}

export type RetentionNode = PathNode | StepNode;

/** What the view explains: all instances of a type (the first few paths), or one object. */
export interface RetentionTarget {
  recordId: string;
  type?: string;
  address?: string;
  /** The object's type, when the target is an address. */
  typeOfAddress?: string;
}
