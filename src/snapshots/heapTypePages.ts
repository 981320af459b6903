// The Heap Types view's rows a page at a time: the agent sorts and filters all types (a heap can hold 50,000) and
// sends one page; this keeps the pages loaded so far and says whether there are more. Pure apart from the
// `fetch` it is given, so it is unit-tested without VS Code or an agent.
import { HeapTypeRow, HeapTypeSort } from './heapTypeRows';

export interface TypePageQuery {
  sort: HeapTypeSort;
  /** Type-name substring, case-insensitive; '' for all. */
  filter: string;
  offset: number;
  top: number;
}

export interface TypePage {
  /** The rows of the page; may be fewer than the agent's types (a diff drops types gone from the later snapshot). */
  rows: HeapTypeRow[];
  /** Agent types the page covered (rows plus those dropped). */
  consumed: number;
  /** Types that match the filter in all. */
  totalTypes: number;
}

export type FetchTypePage = (query: TypePageQuery) => Promise<TypePage>;

export class HeapTypePages {
  private loadedRows: HeapTypeRow[] = [];
  private consumed = 0;
  private total = 0;
  private next: Promise<void> | undefined;

  constructor(
    readonly sort: HeapTypeSort,
    readonly filter: string,
    readonly pageSize: number,
    private readonly fetch: FetchTypePage,
  ) {
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`The page size must be a whole number of at least 1, not ${pageSize}.`);
  }

  get rows(): readonly HeapTypeRow[] {
    return this.loadedRows;
  }
  /** Types that match the filter, loaded or not. */
  get totalTypes(): number {
    return this.total;
  }
  /** Agent types covered by the pages loaded so far. */
  get loadedTypes(): number {
    return this.consumed;
  }
  get hasMore(): boolean {
    return this.consumed < this.total;
  }

  /** Loads the first page, or the next one; concurrent calls share one request. */
  loadNext(): Promise<void> {
    this.next ??= this.fetch({ sort: this.sort, filter: this.filter, offset: this.consumed, top: this.pageSize })
      .then((page) => {
        this.loadedRows = [...this.loadedRows, ...page.rows];
        this.consumed += page.consumed;
        this.total = page.totalTypes;
        // A page that covered nothing ends paging (the snapshot cannot change under us, but never loop).
        if (page.consumed === 0) this.total = this.consumed;
      })
      .finally(() => (this.next = undefined));
    return this.next;
  }
}
