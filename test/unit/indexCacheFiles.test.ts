// removeDump: a dump HeapLens wrote goes with its index cache and with the temporary files an agent writes the cache
// to (`<cache>.<pid>.<n>.tmp`, left behind when that agent was killed mid-write); other files beside it stay.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { indexCachePath, removeDump } from '../../src/snapshots/indexCache';

describe('index cache files', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-indexcache-'));
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('removeDump deletes the dump, its cache and the cache’s temporary files, and nothing else', () => {
    const dump = path.join(scratch, 'app.dmp');
    const other = path.join(scratch, 'app2.dmp');
    const kept = [other, indexCachePath(other), `${indexCachePath(other)}.4242.1.tmp`, `${dump}.txt`];
    const gone = [dump, indexCachePath(dump), `${indexCachePath(dump)}.4242.1.tmp`, `${indexCachePath(dump)}.17.3.tmp`];
    for (const file of [...kept, ...gone]) fs.writeFileSync(file, 'x');
    removeDump(dump);
    assert.deepStrictEqual(fs.readdirSync(scratch).sort(), kept.map((f) => path.basename(f)).sort());
  });

  it('removeDump of a dump without a cache (or already gone) does nothing else', () => {
    const dump = path.join(scratch, 'none.dmp');
    removeDump(dump);
    removeDump(path.join(scratch, 'missing', 'x.dmp'));
    assert.deepStrictEqual(fs.readdirSync(scratch), []);
  });
});
