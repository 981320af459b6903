// Work that used to block the extension host, now asynchronous with progress: copying a dump (the debug adapter's
// captureHeap to a path while paused) and reading the workspace's .cs files for Go to Source.
import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CancellationSource, CancelledError } from '../../src/common/async';
import { copyFileWithProgress } from '../../src/common/copyFile';
import { CSharpIndex } from '../../src/sourceIndex/csharpIndex';
import { fixtureSource, markedLine } from '../support/fixtures';

const MB = 1024 * 1024;

describe('asynchronous file work', function () {
  this.timeout(60_000);
  let scratch: string;
  let source: string;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-async-'));
    source = path.join(scratch, 'big.dmp');
    fs.writeFileSync(source, crypto.randomBytes(32 * MB), { mode: 0o600 });
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('copies a dump owner-only with progress, and the event loop keeps running meanwhile', async () => {
    const target = path.join(scratch, 'copy.dmp');
    const seen: number[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      const copied = await copyFileWithProgress(source, target, { progressStepBytes: 4 * MB, onProgress: (done, total) => (assert.strictEqual(total, 32 * MB), seen.push(done)) });
      assert.strictEqual(copied, 32 * MB);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks > 0, 'timers ran during the copy (a synchronous copy lets none run)');
    assert.ok(seen.length >= 8, `progress every 4 MB: ${seen.join(', ')}`);
    assert.deepStrictEqual([...seen].sort((a, b) => a - b), seen, 'progress only grows');
    assert.strictEqual(seen.at(-1), 32 * MB, 'the last report is the whole file');
    assert.strictEqual(fs.statSync(target).mode & 0o777, 0o600);
    assert.ok(fs.readFileSync(target).equals(fs.readFileSync(source)));
  });

  it('stops when cancelled and leaves nothing at the target', async () => {
    const target = path.join(scratch, 'cancelled.dmp');
    const source2 = new CancellationSource();
    await assert.rejects(
      copyFileWithProgress(source, target, { progressStepBytes: MB, cancellation: source2, onProgress: () => source2.cancel() }),
      (err: unknown) => err instanceof CancelledError,
    );
    assert.deepStrictEqual(fs.readdirSync(scratch).sort(), ['big.dmp', 'copy.dmp']);
  });

  it('indexes a .cs file asynchronously with the same declarations as a synchronous read', async () => {
    const wasm = {
      runtimeWasm: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
      csharpWasm: path.join(path.dirname(require.resolve('tree-sitter-c-sharp/package.json')), 'tree-sitter-c_sharp.wasm'),
    };
    const events = fixtureSource('Events');
    const index = await CSharpIndex.create(wasm);
    assert.strictEqual(await index.indexFileAsync(events), true);
    assert.deepStrictEqual(
      index.findMember('Events.Program', 'Bus').map((d) => [d.file, d.line]),
      [[events, markedLine(events, 'static')]],
    );
    assert.strictEqual(await index.indexFileAsync(path.join(scratch, 'missing.cs')), false);
  });
});
