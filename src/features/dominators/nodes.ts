// The nodes of the Dominators view: the objects that retain most in the selected snapshot, each expanding to the
// objects it alone keeps alive (its children in the dominator tree), a page at a time.
import type { Dominator } from '../../protocol/agent';

export interface DominatorNode {
  kind: 'dominator';
  /** Stable tree item id: the snapshot, then the addresses down the dominator tree. */
  id: string;
  recordId: string;
  item: Dominator;
  /** The snapshot's live bytes, for the share of the heap an object retains. */
  liveBytes: number;
  parent?: DominatorNode;
}

/** "Load more…" at the end of a page of dominators. */
export interface MoreDominatorsNode {
  kind: 'more';
  id: string;
  recordId: string;
  parent?: DominatorNode;
  loaded: number;
  total: number;
}

export interface DominatorMessageNode {
  kind: 'message';
  id: string;
  recordId: string;
  text: string;
  parent?: DominatorNode;
}

export type DominatorsNode = DominatorNode | MoreDominatorsNode | DominatorMessageNode;
