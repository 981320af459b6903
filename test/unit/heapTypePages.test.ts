// HeapTypePages: the Heap Types view's pages of rows. The pages come from a function over a list of rows that
// sorts and filters like the agent, so the test checks what the model asks for and what it keeps.
import * as assert from 'assert';
import { HeapTypeRow } from '../../src/snapshots/heapTypeRows';
import { HeapTypePages, TypePage, TypePageQuery } from '../../src/snapshots/heapTypePages';

const TYPES = 1234;
const all: HeapTypeRow[] = Array.from({ length: TYPES }, (_, i) => ({ name: `App.T${i}`, count: TYPES - i, bytes: (TYPES - i) * 24, isNew: false }));

function agentLike(asked: TypePageQuery[]) {
  return async (q: TypePageQuery): Promise<TypePage> => {
    asked.push(q);
    const matching = all.filter((r) => r.name.toLowerCase().includes(q.filter.toLowerCase()));
    const rows = matching.slice(q.offset, q.offset + q.top);
    return { rows, consumed: rows.length, totalTypes: matching.length };
  };
}

describe('heap type pages', () => {
  it('loads the first page, then the next ones from where the last ended, until every type is loaded', async () => {
    const asked: TypePageQuery[] = [];
    const pages = new HeapTypePages('bytes', '', 500, agentLike(asked));
    assert.strictEqual(pages.hasMore, false, 'nothing is known before the first page');
    await pages.loadNext();
    assert.deepStrictEqual([pages.rows.length, pages.totalTypes, pages.hasMore], [500, TYPES, true]);
    await pages.loadNext();
    await pages.loadNext();
    assert.deepStrictEqual([pages.rows.length, pages.loadedTypes, pages.hasMore], [TYPES, TYPES, false]);
    assert.deepStrictEqual(pages.rows, all);
    assert.deepStrictEqual(
      asked.map((q) => [q.offset, q.top]),
      [
        [0, 500],
        [500, 500],
        [1000, 500],
      ],
    );
  });

  it('passes its sort and filter to every request and counts only the matching types', async () => {
    const asked: TypePageQuery[] = [];
    const pages = new HeapTypePages('count', 'app.t12', 10, agentLike(asked));
    await pages.loadNext();
    // App.T12, App.T120–T129, App.T1200–T1233: 1 + 10 + 34.
    assert.strictEqual(pages.totalTypes, 1 + 10 + (TYPES - 1200));
    assert.strictEqual(pages.rows.length, 10);
    assert.ok(asked.every((q) => q.sort === 'count' && q.filter === 'app.t12'));
  });

  it('shares one request between concurrent calls', async () => {
    const asked: TypePageQuery[] = [];
    const pages = new HeapTypePages('bytes', '', 100, agentLike(asked));
    await Promise.all([pages.loadNext(), pages.loadNext()]);
    assert.strictEqual(asked.length, 1);
    assert.strictEqual(pages.rows.length, 100);
  });

  it('counts types a page covered but dropped (a diff drops types gone from the later snapshot)', async () => {
    const pages = new HeapTypePages('growth', '', 10, async (q) => ({ rows: all.slice(q.offset, q.offset + q.top - 2), consumed: q.top, totalTypes: 25 }));
    await pages.loadNext();
    await pages.loadNext();
    assert.deepStrictEqual([pages.rows.length, pages.loadedTypes, pages.hasMore], [16, 20, true]);
  });

  it('stops paging when a page covers nothing, and refuses a page size below 1', async () => {
    const pages = new HeapTypePages('bytes', '', 10, async () => ({ rows: [], consumed: 0, totalTypes: 50 }));
    await pages.loadNext();
    assert.strictEqual(pages.hasMore, false);
    assert.throws(() => new HeapTypePages('bytes', '', 0, agentLike([])), /page size must be a whole number of at least 1, not 0/);
  });
});
